// Strings: interpolation, escapes, fmt specs, methods (concept_strings.md, fact_string_methods.md).
//> hp: 99 / player wil at 2
//> hp: 99 | 3 of 10
//> [      hi] [3.14] [ff] [0007] [ab   ] [ mid  ] [FF] [101] [10] [-003]
//> [0-9]{4} {} {:x} {"k": 1}
//> a,b,c | HELLO | true | 7 | Some(42) | None | Some(2.5)
//> 3 6 | false true
//> he | llo | x-y | ababab | 00042 | 7____
//> ["a", "b"] | Some(2) | None
//> héllo 5 6
//> true false true
//> trimmed|x  |x
struct P { name: string }
fn main() -> int {
    let p = P { name: "wil" }
    let x = 1
    println("hp: {99} / player {p.name} at {x + 1}")
    println("hp: " + str(99) + " | " + fmt("{} of {}", 3, 10))
    println(fmt("[{:>8}] [{:.2}] [{:x}] [{:04}] [{:<5}] [{:^6}] [{:X}] [{:b}] [{:o}] [{:04}]", "hi", 3.14159, 255, 7, "ab", "mid", 255, 5, 8, -3))
    println("[0-9]{{4}} {} {:x} {\"k\": 1}")
    println("{"a,b,c".split(",").join(",")} | {"hello".to_upper()} | {"hello".starts_with("he")} | {"x7".slice(1, 2)} | {"42".parse_int()} | {"x".parse_int()} | {"2.5".parse_float()}")
    println("{"abc".len()} {"héllo".bytes_len()} | {"abc".is_empty()} {"".is_empty()}")
    println("{"hello".slice(0, 2)} | {"hello".trim_start().slice(2, 5)} | {"x_y".replace("_", "-")} | {"ab".repeat(3)} | {"42".pad_left(5, '0')} | {"7".pad_right(5, '_')}")
    println("{"a b".split(" ")} | {"hello".find("l")} | {"hello".find("z")}")
    let s = "héllo"
    println("{s} {s.len()} {s.bytes_len()}")
    println("{"abc".contains("b")} {"abc".ends_with("b")} {"abc".ends_with("c")}")
    println("{"  trimmed  ".trim()}|{"x  ".trim_end()}  |{"  x".trim_start()}")
    0
}
