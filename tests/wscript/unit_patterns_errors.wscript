// A unit literal of another family, or a plain int, does not match a Duration; no wildcard → non-exhaustive (issue 17 class 3).
// error: E0302 @ 9:9
// error: E0302 @ 10:9
// error: E0301 @ 15:11
units Duration: int { ns = 1, ms = 1000000, s = 1000000000 }
units Bytes: int { B = 1, KiB = 1024 }
fn f(x: Duration) -> int {
    match x {
        1KiB => 1,
        5 => 2,
        _ => 3,
    }
}
fn g(x: Duration) -> int {
    match x {
        1s => 1,
        2s => 2,
    }
}
fn main() -> int { f(1s) + g(1s) }
