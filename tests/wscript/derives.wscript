// #[derive(Eq, Ord, Display, Clone)] on structs and enums (concept_derives.md).
//> true false true
//> P { x: 1, y: 2 } Red Shade(3)
//> 1 9
//> [P { x: 0, y: 5 }, P { x: 1, y: 2 }]
//> Some(P { x: 1, y: 2 })
#[derive(Eq, Ord, Display, Clone)]
struct P { x: int, y: int }
#[derive(Eq, Display, Clone)]
enum Color { Red, Shade(int) }
fn max_of[T: Ord](a: T, b: T) -> T { if a > b { a } else { b } }
fn main() -> int {
    let a = P { x: 1, y: 2 }
    println("{a == a.clone()} {a == P { x: 1, y: 3 }} {a < P { x: 1, y: 3 }}")
    println("{a} {str(Color::Red)} {Color::Shade(3)}")
    let b = a.clone()
    b.x = 9
    println("{a.x} {b.x}")
    let ps = [a, P { x: 0, y: 5 }]
    ps.sort()
    println(ps)
    println(Some(max_of(a, P { x: 0, y: 9 })))
    0
}
