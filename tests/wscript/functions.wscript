// Functions, recursion, closures, function values (concept_functions.md).
//> 6765
//> 6765
//> 42
//> 1
//> 2
//> 3
fn fib(n: int) -> int {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

fn fib_iter(n: int) -> int {
    let a = 0
    let b = 1
    let i = 0
    while i < n {
        let next = a + b
        a = b
        b = next
        i = i + 1
    }
    a
}

fn apply(f: fn(int) -> int, x: int) -> int { f(x) }

fn make_counter() -> fn() -> int {
    let n = 0
    || { n = n + 1; n }
}

fn main() -> int {
    println(fib(20))
    println(fib_iter(20))
    let double = |x| x * 2
    println(apply(double, 21))
    let c = make_counter()
    println(c())
    println(c())
    println(c())
    if fib(20) == fib_iter(20) { 0 } else { 1 }
}
