// Diagnostics name the real problem (issue 17 class 10): no associated function, unsatisfied bound,
// == on an unbounded type parameter, mismatched unit families; codes and spans as before.
// error: E0503 @ 11:35
// error: E0425 @ 15:13
// error: E0504 @ 16:13
// error: E0220 @ 17:13
// error: E0201 @ 18:23
struct P { x: int }
impl P { fn new() -> P { P { x: 1 } } }
fn biggest[T: Ord](xs: List[T]) -> Option[T] { xs.max() }
fn same_[T](a: T, b: T) -> bool { a == b }
units Duration: int { ns = 1, ms = 1000000 }
units Bytes: int { B = 1, KiB = 1024 }
fn main() -> int {
    let p = P::nope()
    let q = biggest([P { x: 1 }])
    let a = 5ms + 3KiB
    let d: Duration = 4KiB
    0
}
