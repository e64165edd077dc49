// json/toml/xml over the shared Value, composing formats; Value accessors (fact_data_formats.md, fact_value_methods.md).
//> service demo on port 8080
//> total retry budget: 6s (sqrt 2.449489742783178)
//> name = "demo"
//> port = 8080
//> retries = [1, 2, 3]
//> {"name":"demo","port":8080,"retries":[1,2,3]}
//> true 3 ["name", "port", "retries"] None
//> Err
//> 1 hi ["a", "b"]
//> <r id="1"><x>a</x><x>b</x></r>
//> 8080
use json
use toml
use xml
use math
fn main() -> int {
    let raw = "{\"name\": \"demo\", \"port\": 8080, \"retries\": [1, 2, 3]}"
    let conf = json::parse(raw).unwrap()
    let name = conf.get("name").unwrap().as_string().unwrap_or("unnamed")
    let port = conf.get("port").unwrap().as_int().unwrap_or(80)
    println(fmt("service {} on port {}", name, port))
    let retries = conf.get("retries").unwrap()
    let total = 0
    for i in 0..retries.len() {
        total = total + retries.at(i).unwrap().as_int().unwrap_or(0)
    }
    println(fmt("total retry budget: {}s (sqrt {})", total, math::sqrt(float(total))))
    println(toml::to_string(conf).unwrap().trim())
    println(json::to_string(conf))
    let back = toml::parse(toml::to_string(conf).unwrap()).unwrap()
    println("{back.get("port").unwrap().as_float().is_some()} {conf.len()} {conf.keys()} {conf.get("zzz")}")
    match toml::to_string(Value::Null) { Ok(_) => println("Ok"), Err(_) => println("Err") }
    let doc = xml::parse("<r id=\"1\"><x>a</x><x>b</x></r>").unwrap()
    let r = doc.get("r").unwrap()
    println("{r.get("@attrs").unwrap().get("id").unwrap().as_string().unwrap()} hi {r.get("x").unwrap().as_list().unwrap().map(|v| v.as_string().unwrap())}")
    println(xml::to_string(doc).unwrap())
    match conf.get("port").unwrap() {
        Value::Int(n) => println(n),
        _ => println("?"),
    }
    0
}
