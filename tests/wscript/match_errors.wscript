// Exhaustiveness is checked with a witness; guarded arms do not count; let-else must diverge.
// error: E0301 @ 7:11
// error: E0301 @ 13:11
// error: E0303 @ 19:32
enum Event { Quit, Key(char), Click { x: int, y: int } }
fn a(e: Event) -> int {
    match e {
        Event::Quit => 0,
        Event::Key(_) => 1,
    }
}
fn b(o: Option[bool]) -> int {
    match o {
        Some(true) => 1,
        None => 0,
    }
}
fn main() -> int {
    let Some(n) = Some(3) else { println("x") }
    n
}
