// weak[T] follows reference counting deterministically: upgrade() is None as soon as the
// last strong reference goes away — reassigned, out of scope, popped, or its function returned (issue 17 class 6).
//> true false
//> inner true
//> after false
//> kid -> parent dropped
//> in list true | popped false
//> map true | removed false
//> field true | cleared false
//> 0:true 1:true 2:true | done false
//> root kid true
struct N { v: int }
struct Holder { n: Option[N] }
struct Node { name: string, kids: List[Node], parent: Option[weak[Node]] }
fn make_child() -> Node {
    let parent = Node { name: "root", kids: [], parent: None }
    let child = Node { name: "kid", kids: [], parent: Some(weak(parent)) }
    parent.kids.push(child)
    child
}
fn alive(w: weak[N]) -> bool { w.upgrade().is_some() }
fn main() -> int {
    let a = N { v: 1 }
    let w = weak(a)
    let before = alive(w)
    a = N { v: 2 }
    println("{before} {alive(w)}")
    let w2 = {
        let b = N { v: 3 }
        println("inner {alive(weak(b))}")
        weak(b)
    }
    println("after {alive(w2)}")
    let c = make_child()
    match c.parent.unwrap().upgrade() {
        Some(p) => println("{c.name} -> {p.name}"),
        None => println("{c.name} -> parent dropped"),
    }
    let keep = N { v: 4 }
    let xs = [keep]
    let w3 = weak(keep)
    keep = N { v: 5 }
    let in_list = alive(w3)
    xs.pop()
    println("in list {in_list} | popped {alive(w3)}")
    let m: Map[string, N] = #{"k": N { v: 6 }}
    let w4 = weak(m["k"])
    let in_map = alive(w4)
    m.remove("k")
    println("map {in_map} | removed {alive(w4)}")
    let h = Holder { n: Some(N { v: 7 }) }
    let w5 = weak(h.n.unwrap())
    let in_field = alive(w5)
    h.n = None
    println("field {in_field} | cleared {alive(w5)}")
    let last: weak[N] = weak(N { v: 0 })
    for i in 0..3 {
        let n = N { v: i }
        last = weak(n)
        print("{n.v}:{alive(last)} ")
    }
    println("| done {alive(last)}")
    let root = Node { name: "root", kids: [], parent: None }
    root.kids.push(Node { name: "kid", kids: [], parent: Some(weak(root)) })
    let back = root.kids[0].parent.unwrap().upgrade().unwrap()
    println("{back.name} {root.kids[0].name} {same(back, root)}")
    0
}
