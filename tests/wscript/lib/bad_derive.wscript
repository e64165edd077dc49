// A helper module whose derive cannot apply: `Inner` has no Eq or Display.
struct Inner { v: int }
#[derive(Eq, Display)]
struct Outer { inner: Inner, n: int }
fn make(n: int) -> int { n * 2 }
