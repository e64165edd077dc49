// A syntax error in an imported module fails the compile once, at the module's position — no cascade (issue 17 classes 9, 10).
// error: E0100 @ 2:21
use bad_syntax
fn main() -> int { bad_syntax::f() }
