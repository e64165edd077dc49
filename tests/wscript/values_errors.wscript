// No implicit conversion and no truthiness (concept_values.md).
// error: E0201 @ 5:13
// error: E0201 @ 6:8
fn main() -> int {
    let a = 1 + 2.0
    if 1 { }
    0
}
