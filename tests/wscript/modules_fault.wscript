// Stack traces across files name the right frames (concept_modules.md).
// fault: list index 5 out of bounds (len 1)
// trace: helpers::fail_deep@5:38, main@6:5
use helpers
fn main() -> int {
    helpers::fail_deep([1])
}
