// List and Map: literals, index vs get, and every documented method (concept_containers.md, fact_list_methods.md, fact_map_methods.md).
//> [1, 2, 3, 4] 4 Some(3) None 1 4
//> 18 true false 2 Some(1) None
//> true false 2 Some(4) Some(1)
//> [4, 3, 2, 1] [1, 2, 3, 4] [4, 3, 2, 1]
//> [2, 4, 6, 8] [3, 4] 10 1-2-3-4 [2, 3] [1, 2, 3, 4, 5]
//> [0, 2, 6, 12] [11, 22]
//> 10 Some(1) Some(4) None 5.5
//> Some(9) 9 [1, 3] 0 true
//> 30 None 22 3 true false
//> ["alice", "bob", "carol"] [30, 25, 22]
//> alice=30 bob=25 carol=22
//> ["alice:30", "bob:25", "carol:22"] 2 2 0 true
fn main() -> int {
    let xs = [1, 2, 3]
    xs.push(4)
    println("{xs} {xs.len()} {xs.get(2)} {xs.get(99)} {xs.first().unwrap()} {xs.last().unwrap()}")
    println("{xs.map(|x| x * 2).filter(|x| x > 2).fold(0, |a, x| a + x)} {xs.contains(3)} {xs.contains(9)} {xs.index_of(3).unwrap()} {xs.position(|x| x == 2)} {xs.find(|x| x > 10)}")
    println("{xs.any(|x| x > 3)} {xs.all(|x| x > 3)} {xs.count(|x| x % 2 == 0)} {xs.max()} {xs.min()}")
    let r = xs.clone()
    r.reverse()
    let sorted = r.clone()
    sorted.sort()
    let desc = r.clone()
    desc.sort_by(|a, b| b - a)
    println("{r} {sorted} {desc}")
    println("{xs.map(|x| x * 2)} {xs.filter(|x| x > 2)} {xs.sum()} {xs.map(|x| str(x)).join("-")} {xs.slice(1, 3)} {xs.concat([5])}")
    println("{xs.map_indexed(|i, x| i * x)} {[1, 2, 3].zip_with([10, 20], |a, b| a + b)}")
    let e: List[int] = []
    println("{xs.sum()} {xs.min()} {xs.max()} {e.max()} {[1.5, 4.0].sum()}")
    let ys = [5, 9]
    println("{ys.pop()} {ys.remove(0) + 4} {[1, 2, 3].filter(|x| x != 2)} {ys.len()} {ys.is_empty()}")
    let ages = #{ "alice": 30, "bob": 25 }
    ages["carol"] = 22
    ages.insert("dave", 1)
    let gone = ages.remove("dave")
    println("{ages["alice"]} {ages.get("nope")} {ages.get("carol").unwrap()} {ages.len()} {ages.contains_key("bob")} {ages.is_empty()}")
    println("{ages.keys()} {ages.values()}")
    let line = ""
    ages.each(|k, v| { line = line + k + "=" + str(v) + " " })
    println(line.trim())
    let copy = ages.clone()
    copy.clear()
    let ints = #{ 1: "a", 2: "b" }
    println("{ages.map(|k, v| k + ":" + str(v))} {ages.filter(|k, v| v < 26).len()} {ints.len()} {copy.len()} {gone.is_some()}")
    0
}
