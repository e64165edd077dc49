// #[derive(Display)] with an explicit `impl Display`: accepted, and the explicit impl runs (issue 17 class 2).
//> P<1> | [P<1>, P<2>] | Some(P<3>)
//> Red! Green!
//> Q { v: 5 }
#[derive(Display, Eq)]
struct P { x: int }
impl Display for P {
    fn fmt(self) -> string { "P<{self.x}>" }
}
#[derive(Display)]
enum C { Red, Green }
impl Display for C {
    fn fmt(self) -> string {
        match self {
            C::Red => "Red!",
            C::Green => "Green!",
        }
    }
}
#[derive(Display)]
struct Q { v: int }
fn main() -> int {
    let p = P { x: 1 }
    println("{p} | {[p, P { x: 2 }]} | {Some(P { x: 3 })}")
    println("{C::Red} {C::Green}")
    println(Q { v: 5 })
    0
}
