// if/while/loop/for, break with value, continue, newline rules (concept_control_flow.md).
//> 1 -1 0
//> 0 1 2 | 0 1 2 3 | 10 20 | a:1 b:2 | x y
//> 7
//> 1 3 5
//> big
//> HELLO 6
fn sign(x: int) -> int { if x < 0 { -1 } else if x > 0 { 1 } else { 0 } }
fn add(a: int, b: int, c: int) -> int { a + b + c }
fn main() -> int {
    println("{sign(5)} {sign(-3)} {sign(0)}")
    let out = ""
    for i in 0..3 { out = out + str(i) + " " }
    out = out + "|"
    for i in 0..=3 { out = out + " " + str(i) }
    out = out + " |"
    for x in [10, 20] { out = out + " " + str(x) }
    out = out + " |"
    let m = #{ "a": 1, "b": 2 }
    for k in m { out = out + " " + k + ":" + str(m[k]) }
    out = out + " |"
    for c in "xy" { out = out + " " + str(c) }
    println(out)
    let n = 0
    let found = loop {
        n += 1
        if n == 7 { break n }
    }
    println(found)
    let odds = []
    let i = 0
    while i < 6 {
        i += 1
        if i % 2 == 0 { continue }
        odds.push(str(i))
    }
    println(odds.join(" "))
    let total = add(1,
        2, 3)
    if total > 5 { println("big") }
    else { println("small") }
    let s = "hello"
        .to_upper()
    println("{s} {total}")
    0
}
