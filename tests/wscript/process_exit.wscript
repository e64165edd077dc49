// process::exit ends the script with a code; args() are the CLI arguments after the path (fact_process_functions.md).
// args: one two
// exit: 3
//> ["one", "two"] true
//> ok 0 hi
use process
fn main() -> int {
    let a = process::args()
    println("{a} {process::cwd().is_ok()}")
    process::set_env("WS_CONF_X", "hi")
    let out = process::run("true", [])
    match out {
        Ok(o) => println("ok {o.status} {process::env("WS_CONF_X").unwrap()}"),
        Err(e) => println(e),
    }
    process::exit(3)
    0
}
