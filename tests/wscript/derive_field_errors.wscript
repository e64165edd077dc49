// A derive applies only when every field (or payload) has the trait (issue 17 class 9, in a single file too).
// error: E0211 @ 6:10
// error: E0211 @ 8:10
// error: E0211 @ 10:10
struct Plain { v: int }
#[derive(Clone)]
struct A { p: Plain }
#[derive(Eq)]
enum B { One(fn(int) -> int), Two }
#[derive(Ord)]
struct C { xs: List[Plain] }
#[derive(Eq, Display, Clone)]
struct Fine { xs: List[int], m: Map[string, float], o: Option[string] }
fn main() -> int { 0 }
