// Imported by an explicit relative path with an alias.
use helpers
fn area(w: int, h: int) -> int { helpers::double(w * h) / 2 }
