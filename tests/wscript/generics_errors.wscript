// Generic bodies only get what their bounds grant; call sites must satisfy bounds; params must appear.
// error: E0503 @ 5:30
// error: E0504 @ 6:11
// error: E0504 @ 9:20
fn bad[T](a: T, b: T) -> T { a + b }
fn unused[U]() -> int { 0 }
struct S { x: int }
fn max_of[T: Ord](a: T, b: T) -> T { if a > b { a } else { b } }
fn main() -> int { max_of(S { x: 1 }, S { x: 2 }); 0 }
