// Option/Result, ?, and their methods (concept_options_results.md, fact_option_result_methods.md).
//> Ok(10) Err("bad number")
//> true false 5 9 5
//> true false 3 0 oops
//> Some(2) None
fn parse_double(s: string) -> Result[int, string] {
    let Some(n) = s.parse_int() else { return Err("bad number") }
    Ok(n * 2)
}
fn sum(a: string, b: string) -> Result[int, string] {
    Ok(parse_double(a)? + parse_double(b)?)
}
fn first_even(xs: List[int]) -> Option[int] {
    let x = xs.find(|x| x % 2 == 0)?
    Some(x)
}
fn main() -> int {
    println("{sum("2", "3")} {sum("2", "x")}")
    let s = Some(5)
    let n: Option[int] = None
    println("{s.is_some()} {s.is_none()} {s.unwrap()} {n.unwrap_or(9)} {s.expect("present")}")
    let r: Result[int, string] = Ok(3)
    let e: Result[int, string] = Err("oops")
    println("{r.is_ok()} {r.is_err()} {r.unwrap()} {e.unwrap_or(0)} {e.unwrap_err()}")
    println("{first_even([1, 2, 3])} {first_even([1])}")
    0
}
