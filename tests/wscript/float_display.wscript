// Floats always display as floats; ints never gain a `.0` (issue 17 class 1, authors' behaviour).
//> 3.0 0.0 2.5 -0.0 7
//> 3.0|3.0|  3.0|3.00|3.0
//> [1.0, 2.5] [1, 2] #{"a": 1.0} Some(4.0) None Ok(1.0) Err(2.0)
//> P { x: 1.0, n: 2 } Circle(2.0) Sq { side: 1.0 }
//> 0.0 3.5 Some(1.0) Some(2.5) None
//> 1.0, 2.5 | 1000000000.0 | 0.0000001 | 0.1
//> {"f":2.0,"i":2,"l":[1.5,3.0]}
//> x = 2.0
//> 1.0turn [6.0, 0.5] 2ms [2000000]
#[derive(Display)]
struct P { x: float, n: int }
#[derive(Display)]
enum Sh { Circle(float), Sq { side: float } }
units Angle: float { rad = 1.0, turn = 6.0 }
units D: int { ns = 1, ms = 1000000 }
use json
use toml
fn main() -> int {
    let f = 3.0
    println("{f} {0.0} {2.5} {-0.0} {7}")
    println(str(f) + "|" + f.to_string() + "|" + fmt("{:>5}|{:.2}|{}", f, f, f))
    let m: Map[string, float] = #{"a": 1.0}
    let o: Option[float] = Some(4.0)
    let none: Option[float] = None
    let ok: Result[float, float] = Ok(1.0)
    let err: Result[float, float] = Err(2.0)
    println("{[1.0, 2.5]} {[1, 2]} {m} {o} {none} {ok} {err}")
    println("{P { x: 1.0, n: 2 }} {Sh::Circle(2.0)} {Sh::Sq { side: 1.0 }}")
    let empty: List[float] = []
    let xs = [1.0, 2.5]
    println("{empty.sum()} {xs.sum()} {xs.min()} {xs.max()} {empty.max()}")
    println("{xs.join(", ")} | {1e9} | {1.0e-7} | {0.1}")
    let v = json::parse("{\"i\": 2, \"f\": 2.0, \"l\": [1.5, 3.0]}").unwrap()
    println(json::to_string(v))
    println(toml::to_string(toml::parse("x = 2.0").unwrap()).unwrap().trim())
    println("{1turn} {[1turn, 0.5rad]} {2ms} {[2ms]}")
    0
}
