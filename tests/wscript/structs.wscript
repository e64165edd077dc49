// Structs, impl blocks, associated functions, reference semantics, same() (concept_structs.md, concept_reference_semantics.md).
//> 120
//> 70 true false
//> 1 [1, 2]
//> 5
struct Player { name: string, hp: int }
impl Player {
    fn new(name: string) -> Player { Player { name: name, hp: 100 } }
    fn heal(self, amount: int) { self.hp += amount }
}
#[derive(Clone)]
struct Config { values: List[int] }
fn hurt(p: Player) { p.hp = 70 }
fn main() -> int {
    let p = Player::new("wil")
    p.heal(20)
    println(p.hp)
    let alias = p
    hurt(alias)
    let other = Player::new("x")
    println("{p.hp} {same(p, alias)} {same(p, other)}")
    let c = Config { values: [1] }
    let copy = c.clone()
    c.values.push(2)
    println("{copy.values.len()} {c.values}")
    let name = "y"
    let q = Player { name, hp: 5 }
    println(q.hp)
    0
}
