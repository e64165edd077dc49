// An error in an imported module fails the whole compile, reported at the module's file:line:col (issue 17 class 9).
// error: E0211 @ 3:10
// error: E0211 @ 3:14
use bad_derive
fn main() -> int {
    println(bad_derive::make(2))
    0
}
