// A second explicit impl is still a duplicate; derive + impl of other traits stays an error (issue 17 class 2).
// error: E0210 @ 9:6
// error: E0210 @ 12:6
#[derive(Display, Eq)]
struct P { x: int }
impl Display for P {
    fn fmt(self) -> string { "a" }
}
impl Display for P {
    fn fmt(self) -> string { "b" }
}
impl Eq for P {
    fn eq(self, other: P) -> bool { true }
}
fn main() -> int { 0 }
