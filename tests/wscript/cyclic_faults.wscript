// Cyclic data: identity still works; structural == on two distinct cycles is a script fault, not a host error (issue 17 class 5).
//> true true 1
// fault: value nesting too deep in `==` (does the value reach itself? compare cyclic values with same())
// trace: main@13:13
#[derive(Eq, Display, Clone)]
struct Node { name: string, kids: List[Node] }
fn main() -> int {
    let a = Node { name: "a", kids: [] }
    a.kids.push(a)
    let b = Node { name: "a", kids: [] }
    b.kids.push(b)
    println("{same(a, a)} {a == a} {a.kids.len()}")
    println(a == b)
    0
}
