// unwrap() on None is a fault, not a host panic (fact_option_result_methods.md).
// fault: called unwrap() on None
//> start
fn main() -> int {
    println("start")
    let o: Option[int] = None
    o.unwrap()
}
