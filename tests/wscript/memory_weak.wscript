// weak[T]: weak(x) and upgrade() for back-references (concept_memory.md, fact_reference_types.md).
//> root
//> true
//> kid
struct Node { name: string, kids: List[Node], parent: Option[weak[Node]] }
fn main() -> int {
    let parent = Node { name: "root", kids: [], parent: None }
    let child = Node { name: "kid", kids: [], parent: Some(weak(parent)) }
    parent.kids.push(child)
    match child.parent {
        Some(w) => match w.upgrade() {
            Some(p) => println(p.name),
            None => println("parent dropped"),
        }
        None => {}
    }
    let back = child.parent.unwrap().upgrade().unwrap()
    println(same(back, parent))
    println(back.kids[0].name)
    0
}
