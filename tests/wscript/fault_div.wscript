// Division by zero is a trappable fault with a trace (concept_faults.md).
// fault: division by zero
// trace: ratio@5:5, main@8:5
fn ratio(a: int, b: int) -> int {
    a / b
}
fn main() -> int {
    ratio(1, 0)
}
