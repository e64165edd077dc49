// An invalid regex pattern is a fault that says so, at the script location (issue 17 class 10).
//> true
// fault: invalid regex pattern `a(b`: missing )
// trace: check@7:5, main@11:5
use regex
fn check(p: string) -> bool {
    regex::is_match(p, "ab")
}
fn main() -> int {
    println(check("a(b)?"))
    check("a(b")
    0
}
