// A literal fill of more (or fewer) than one character is a compile error (issue 17 class 4).
// error: E0201 @ 6:30
// error: E0201 @ 7:29
// error: E0201 @ 8:30
fn main() -> int {
    println("x".pad_right(4, "--"))
    println("x".pad_left(4, ""))
    println("x".pad_right(4, 5))
    0
}
