// fs: listings and walks name subdirectories (trailing `/`), metadata works on directories (issue 17 class 7).
//> ["a.txt", "sub/"]
//> ["a.txt", "sub/", "sub/b.txt", "sub/inner/"]
//> true true true false
//> Ok(()) Ok(())
use fs
fn main() -> int {
    let d = fs::join("/tmp", "wscript-fs-listing-test")
    if fs::exists(d) {
        let ps = fs::walk(d).unwrap()
        ps.reverse()
        for p in ps {
            if p.ends_with("/") { fs::remove_dir(p).unwrap() } else { fs::remove_file(p).unwrap() }
        }
        fs::remove_dir(d).unwrap()
    }
    fs::create_dir_all(fs::join(d, "sub/inner")).unwrap()
    fs::write(fs::join(d, "a.txt"), "x").unwrap()
    fs::write(fs::join(d, "sub/b.txt"), "yy").unwrap()
    println(fs::list_dir(d).unwrap())
    println(fs::walk(d).unwrap().map(|p| p.slice(d.len() + 1, p.len())))
    println("{fs::size(fs::join(d, "sub")).is_ok()} {fs::mtime_unix(d).unwrap() > 0.0} {fs::is_dir(fs::join(d, "sub/"))} {fs::is_file(fs::join(d, "sub/"))}")
    fs::remove_file(fs::join(d, "sub/b.txt")).unwrap()
    fs::remove_dir(fs::join(d, "sub/inner")).unwrap()
    println("{fs::remove_dir(fs::join(d, "sub"))} {fs::remove_file(fs::join(d, "a.txt"))}")
    fs::remove_dir(d).unwrap()
    0
}
