// use: host modules, single items, script files by name and by path; types are ambient (concept_modules.md).
//> 42
//> 12
//> 3 4
//> 5
//> 0
use math
use math::imax
use helpers
use helpers::double
use "./lib/sub/geo.wscript" as geo
fn main() -> int {
    println(double(21))
    println(geo::area(3, 4))
    let p: Pair = helpers::pair(3, 4)
    println("{p.a} {p.b}")
    println(imax(5, -1))
    println(math::imax(0, -5))
    0
}
