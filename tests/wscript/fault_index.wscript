// A fault carries the message and a script stack trace, innermost first (concept_faults.md).
// fault: list index 10 out of bounds (len 3)
// trace: inner@6:5, outer@10:5, main@15:5
//> before
fn inner(xs: List[int]) -> int {
    xs[10]
}

fn outer() -> int {
    inner([1, 2, 3])
}

fn main() -> int {
    println("before")
    outer()
}
