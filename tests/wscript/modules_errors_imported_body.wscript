// A type error inside an imported module's function fails the compile too (issue 17 class 9).
// error: E0503 @ 2:27
use bad_type
fn main() -> int { bad_type::twice(1) }
