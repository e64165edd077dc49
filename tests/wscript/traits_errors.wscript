// Trait and operator errors: == needs Eq, missing impl methods, unknown trait, dyn needs an impl.
// error: E0208 @ 7:1
// error: E0405 @ 10:6
// error: E0503 @ 12:13
trait Shape { fn area(self) -> int }
struct Sq { s: int }
impl Shape for Sq { }
struct Re { w: int }
fn f(s: dyn Shape) -> int { s.area() }
impl Nope for Re { }
fn main() -> int {
    let q = Re { w: 1 } == Re { w: 1 }
    0
}
