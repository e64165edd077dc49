// A helper module with a syntax error inside a function body.
fn f() -> int { 1 + }
