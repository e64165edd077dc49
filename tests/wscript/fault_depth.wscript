// Unbounded recursion hits the call-depth limit and faults instead of overflowing (concept_faults.md).
// fault: call depth limit exceeded (4000)
fn down(n: int) -> int { down(n + 1) + 1 }
fn main() -> int { down(0) }
