// Padding methods take a `char` or a one-character string as the fill (issue 17 class 4).
//> x---| ***x | ééx | 42
//> ab|ab
fn main() -> int {
    let dash = "-"
    println("{"x".pad_right(4, "-")}| {"x".pad_left(4, '*')} | {"x".pad_left(3, "é")} | {"42".pad_left(2, dash)}")
    println("ab".pad_left(1, "0") + "|" + "ab".pad_right(2, '0'))
    0
}
