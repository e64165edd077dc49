// math, regex, time, fs (fact_math_functions.md, fact_regex_functions.md, fact_time_functions.md, fact_fs_functions.md).
//> 3 4 -1 5 0 2
//> 4.0 1.0 3.141592653589793 true true
//> ["one", "two", "three"] 4111… Some("ab12") Some(["k=v", "k", "v"]) true ["a", "b", "c"] None
//> 1970-01-01T00:00:00Z true
//> true hello true ["f.txt"] Some("txt") Some("f.txt") 5 Err
use math
use regex
use time
use fs
fn main() -> int {
    println("{math::iabs(-3)} {math::imax(4, 2)} {math::isignum(-9)} {math::iclamp(7, 0, 5)} {math::imin(0, 1)} {int(math::floor(2.7))}")
    println("{math::sqrt(16.0)} {math::abs(-1.0)} {math::PI} {math::rand() < 1.0} {math::rand_range(3, 4) == 3}")
    println("{regex::find_all("[a-z]+", "one, two, three")} {regex::replace("(\\d{4})\\d+", "4111111111", "$1…")} {regex::find("[a-z]+\\d+", "--ab12--")} {regex::captures("(\\w)=(\\w)", "k=v")} {regex::is_match("^a", "abc")} {regex::split(",\\s*", "a, b,c")} {regex::find("z", "abc")}")
    let t0 = time::instant()
    time::sleep(1)
    println("{time::format_iso(0.0)} {time::elapsed(t0) > 0.0}")
    let dir = "/tmp/wscript_conformance_fs"
    fs::create_dir_all(dir).unwrap()
    let p = fs::join(dir, "f.txt")
    fs::write(p, "hel").unwrap()
    fs::append(p, "lo").unwrap()
    println("{fs::exists(p)} {fs::read_to_string(p).unwrap()} {fs::is_file(p)} {fs::list_dir(dir).unwrap()} {fs::ext(p)} {fs::file_name(p)} {fs::size(p).unwrap()} {if fs::read_to_string("/nonexistent/x").is_err() { "Err" } else { "Ok" }}")
    fs::remove_file(p).unwrap()
    fs::remove_dir(dir).unwrap()
    0
}
