// A computed fill of several characters faults with the script location (issue 17 class 4).
// fault: pad_left: the fill must be one character, found the 2-character string "ab"
// trace: main@6:13
fn main() -> int {
    let fill = "a" + "b"
    let s = "x".pad_left(5, fill)
    println(s)
    0
}
