// clone() of cyclic data (through a Map) faults instead of exhausting the host stack (issue 17 class 5).
// fault: value nesting too deep in `clone()` (does the value reach itself? compare cyclic values with same())
// trace: main@9:13
#[derive(Clone)]
struct Reg { items: Map[string, Reg] }
fn main() -> int {
    let r = Reg { items: #{} }
    r.items.insert("self", r)
    let c = r.clone()
    println(c.items.len())
    0
}
