// Printing a value that reaches itself faults with the script's trace and exit status (issue 17 class 5).
//> showing a
// fault: value nesting too deep in display (does the value reach itself? compare cyclic values with same())
// trace: show@9:5, main@14:5
#[derive(Display)]
struct Node { name: string, next: List[Node] }
fn show(n: Node) {
    println("showing {n.name}")
    println(n)
}
fn main() -> int {
    let a = Node { name: "a", next: [] }
    a.next.push(a)
    show(a)
    0
}
