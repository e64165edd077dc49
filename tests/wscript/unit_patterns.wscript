// Unit literals as match patterns: compared in base units; not exhaustive by themselves (issue 17 class 3).
//> half one other one
//> tiny kib other
//> quarter turn
units Duration: int { ns = 1, us = 1000, ms = 1000 * us, s = 1000 * ms }
units Bytes: int { B = 1, KiB = 1024 }
units Angle: float { rad = 1.0, turn = 6.283185307179586 }
fn d(x: Duration) -> string {
    match x {
        500ms => "half",
        1s | 1000000us => "one",
        _ => "other",
    }
}
fn b(x: Bytes) -> string {
    match x {
        0B | 1B => "tiny",
        1KiB => "kib",
        _ => "other",
    }
}
fn a(x: Angle) -> string {
    match x {
        0.25turn => "quarter",
        1turn => "turn",
        _ => "?",
    }
}
fn main() -> int {
    println("{d(500ms)} {d(1000ms)} {d(2s)} {d(Duration::us(1000000))}")
    println("{b(1B)} {b(1024B)} {b(3KiB)}")
    println("{a(0.25turn)} {a(Angle::turn(1.0))}")
    0
}
