// Structs, enums, match, Option/Result, let-else, containers (concept_structs.md task list).
//> added 1
//> added 2
//> done: write docs
//> error: no task with id 9
//> 1 open / 1 done
//> tags: [], ["urgent"]
struct Task { id: int, title: string, done: bool, tags: List[string] }

enum Command { Add(string), Done(int), Remove(int), Report }

struct Store { tasks: List[Task], next_id: int }

impl Store {
    fn new() -> Store { Store { tasks: [], next_id: 1 } }

    fn add(self, title: string) -> int {
        let id = self.next_id
        self.next_id = self.next_id + 1
        let tags = []
        for word in title.split(" ") {
            if word.starts_with("#") { tags.push(word.slice(1, word.len())) }
        }
        self.tasks.push(Task { id: id, title: title, done: false, tags: tags })
        id
    }

    fn complete(self, id: int) -> Result[string, string] {
        let Some(task) = self.find(id) else { return Err(fmt("no task with id {}", id)) }
        task.done = true
        Ok(task.title)
    }

    fn find(self, id: int) -> Option[Task] {
        for t in self.tasks { if t.id == id { return Some(t) } }
        None
    }

    fn report(self) {
        let open = self.tasks.filter(|t| !t.done)
        println(fmt("{} open / {} done", open.len(), self.tasks.len() - open.len()))
    }
}

fn main() -> int {
    let store = Store::new()
    let cmds = [Command::Add("write docs"), Command::Add("fix bug #urgent"), Command::Done(1), Command::Done(9), Command::Report]
    for c in cmds {
        match c {
            Command::Add(t) => println("added {store.add(t)}"),
            Command::Done(id) => match store.complete(id) {
                Ok(title) => println("done: " + title),
                Err(e) => println("error: " + e),
            },
            Command::Remove(_) => {}
            Command::Report => store.report(),
        }
    }
    let tags = store.tasks.map(|t| str(t.tags)).join(", ")
    println("tags: {tags}")
    0
}
