// Traits with static and dyn dispatch, operator traits, Ord via cmp, Index, Neg, Display (concept_traits.md, concept_operators.md, fact_operator_traits.md).
//> 6 3
//> Vec2(4, 6) Vec2(-1, -2) Vec2(3, 8) Vec2(0, 0) Vec2(1, 1)
//> true false true
//> 20
//> v(4, 6)
//> 9
trait Shape { fn area(self) -> int }
struct Sq { s: int }
struct Re { w: int, h: int }
impl Shape for Sq { fn area(self) -> int { self.s * self.s } }
impl Shape for Re { fn area(self) -> int { self.w * self.h } }
fn area_of(s: dyn Shape) -> int { s.area() }

struct Vec2 { x: int, y: int }
impl Add for Vec2 { fn add(self, o: Vec2) -> Vec2 { Vec2 { x: self.x + o.x, y: self.y + o.y } } }
impl Sub for Vec2 { fn sub(self, o: Vec2) -> Vec2 { Vec2 { x: self.x - o.x, y: self.y - o.y } } }
impl Mul for Vec2 { fn mul(self, o: Vec2) -> Vec2 { Vec2 { x: self.x * o.x, y: self.y * o.y } } }
impl Div for Vec2 { fn div(self, o: Vec2) -> Vec2 { Vec2 { x: self.x / o.x, y: self.y / o.y } } }
impl Rem for Vec2 { fn rem(self, o: Vec2) -> Vec2 { Vec2 { x: self.x % o.x, y: self.y % o.y } } }
impl Neg for Vec2 { fn neg(self) -> Vec2 { Vec2 { x: -self.x, y: -self.y } } }
impl Eq for Vec2 { fn eq(self, o: Vec2) -> bool { self.x == o.x && self.y == o.y } }
impl Ord for Vec2 { fn cmp(self, o: Vec2) -> int { if self.x < o.x { -1 } else if self.x > o.x { 1 } else { 0 } } }
impl Display for Vec2 { fn fmt(self) -> string { "Vec2({self.x}, {self.y})" } }
struct Grid { cells: List[int] }
impl Index for Grid { fn index(self, i: int) -> int { self.cells[i] * 10 } }

fn main() -> int {
    let shapes: List[dyn Shape] = [Re { w: 2, h: 3 }, Sq { s: 1 }]
    println("{shapes[0].area()} {area_of(Sq { s: 1 }) + area_of(Re { w: 1, h: 2 })}")
    let a = Vec2 { x: 1, y: 2 }
    let b = Vec2 { x: 3, y: 4 }
    println("{a + b} {-a} {a * b} {a / b} {Vec2 { x: 3, y: 4 } % Vec2 { x: 2, y: 3 }}")
    println("{a == Vec2 { x: 1, y: 2 }} {a == b} {a < b}")
    let g = Grid { cells: [1, 2] }
    println(g[1])
    let c = a
    c += b
    println(fmt("v({}, {})", c.x, c.y))
    let total = 0
    for s in shapes { total += s.area() }
    println(total + 2)
    0
}
