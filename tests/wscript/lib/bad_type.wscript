// A helper module with a type error in a function body.
fn twice(n: int) -> int { n + "x" }
