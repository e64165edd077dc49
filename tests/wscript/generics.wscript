// Generic functions with Eq/Ord/Clone bounds, inference from arguments and from the expected type (concept_type_system.md).
//> s 9 b [1, 2] Some(5) 0 true
fn identity[T](x: T) -> T { x }
fn max_of[T: Ord](a: T, b: T) -> T { if a > b { a } else { b } }
fn dup[T: Clone](x: T) -> T { x.clone() }
fn head[T](xs: List[T]) -> Option[T] { xs.first() }
fn empty_of[T]() -> List[T] { [] }
fn has[T: Eq](xs: List[T], x: T) -> bool { xs.contains(x) }
fn main() -> int {
    let xs: List[int] = empty_of()
    println("{identity("s")} {max_of(3, 9)} {max_of("a", "b")} {dup([1, 2])} {head([5, 6])} {xs.len()} {has(["a"], "a")}")
    0
}
