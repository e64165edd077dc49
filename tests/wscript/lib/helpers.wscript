// A helper module found through wscript.toml's src_roots.
struct Pair { a: int, b: int }
fn double(x: int) -> int { x * 2 }
fn pair(a: int, b: int) -> Pair { Pair { a: a, b: b } }
fn fail_deep(xs: List[int]) -> int { xs[5] }
