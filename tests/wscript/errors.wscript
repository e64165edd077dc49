// Compile errors are reported together, with codes and spans; no cascades.
// error: E0201 @ 14:15
// error: E0301 @ 16:11
// error: E0503 @ 20:13
// error: E0425 @ 21:5
enum Event { Quit, Key(char), Click { x: int, y: int } }

struct P { x: int }

fn f(x: int) -> int { x }

fn main() -> int {
    let a = 1
    let b = f("oops")
    let e = Event::Quit
    match e {
        Event::Quit => 1,
        Event::Key(_) => 2,
    }
    let q = P { x: 1 } == P { x: 1 }
    nope
}
