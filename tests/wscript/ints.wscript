// 64-bit wrapping int semantics at the edges (fact_primitive_types.md).
//> -9223372036854775808
//> 9223372036854775807
//> 9007199254740992
//> -9223372036854775808
//> 0
//> -3
//> -1
//> 255 1000000
//> ff 7fffffffffffffff
fn main() -> int {
    let max = 9223372036854775807
    println(max + 1)
    println(-9223372036854775807 - 2)
    println(9007199254740991 + 1)
    println(-9223372036854775808 / -1)
    println(4611686018427387904 * 4)
    println(-7 / 2)
    println(-7 % 2)
    println("{0xFF} {1_000_000}")
    println(fmt("{:x} {:x}", 255, max))
    0
}
