// Primitives, literals, conversions, inference (concept_values.md, fact_primitive_types.md).
//> 42 -7 255 1000000
//> 3.14 1000000000.0 0.5
//> true false
//> a 😀 10
//> ()
//> 3 2 97 3
//> 1.5
fn unit_fn() {}
fn main() -> int {
    let x = 42
    let name: string = "n"
    println("{x} {-7} {0xFF} {1_000_000}")
    println("{3.14} {1e9} {0.5}")
    println("{true} {false}")
    println("{'a'} {'\u{1F600}'} {int('\n')}")
    println(unit_fn())
    println("{1 + int(2.0)} {int(2.9)} {int('a')} {int(-3.7) + 6}")
    println(float(3) / 2.0)
    0
}
