// fmt templates are checked at compile time; specs are not allowed in interpolation holes.
// error: E0107 @ 6:15
// error: E0507 @ 7:9
fn main() -> int {
    let x = 1.5
    println("{x:.2}")
    fmt("{} {}", 1)
    0
}
