// Enums with unit/tuple/struct variants, match with guards, or-patterns, literals, nesting, if let, let-else (concept_enums.md, concept_pattern_matching.md).
//> help false false true true false
//> key x
//> click 3
//> none
//> two
//> inner 5
//> Event::make 9
enum Event { Quit, Key(char), Click { x: int, y: int } }
impl Event {
    fn make(n: int) -> Event { Event::Click { x: n, y: n } }
    fn label(self) -> string {
        match self { Event::Quit => "quit", Event::Key(_) => "key", Event::Click { .. } => "click" }
    }
}
fn help() -> bool { print("help "); true }
fn handle(e: Event) -> bool {
    match e {
        Event::Quit => false,
        Event::Key(c) if c == 'q' => false,
        Event::Key('h') | Event::Key('?') => help(),
        Event::Key(_) => true,
        Event::Click { x, y } => x >= 0 && y >= 0,
    }
}
fn words(n: int) -> string {
    match n { 1 => "one", 2 => "two", _ => "many" }
}
fn main() -> int {
    println("{handle(Event::Quit)} {handle(Event::Key('q'))} {handle(Event::Key('h'))} {handle(Event::Click { x: 1, y: 2 })} {handle(Event::Click { x: -1, y: 2 })}")
    let e = Event::Key('x')
    if let Event::Key(c) = e { println("key {c}") }
    let Event::Click { x, y } = Event::Click { x: 3, y: 4 } else { return 1 }
    println("click {x}")
    let o: Option[int] = None
    if let Some(v) = o { println(v) } else { println("none") }
    println(words(2))
    let nested: Option[Option[int]] = Some(Some(5))
    match nested {
        Some(Some(n)) => println("inner {n}"),
        Some(None) => println("empty"),
        None => println("nothing"),
    }
    let m = Event::make(9)
    match m { Event::Click { x, .. } => println("Event::make {x}"), _ => {} }
    0
}
