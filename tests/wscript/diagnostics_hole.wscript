// An unterminated `{` hole is reported as such, once — not as an unterminated string (issue 17 class 10).
// error: E0002 @ 6:18
fn main() -> int {
    let x = 1
    println("ok {x}")
    println("bad {x")
    println("after")
    0
}
