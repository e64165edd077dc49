// Import errors: unknown module, module used without `use`, private path misuse.
// error: E0432 @ 5:1
// error: E0433 @ 7:5
// error: E0425 @ 8:5
use nosuchmodule
fn main() -> int {
    json::parse("1")
    double(2)
}
