// Unit families (concept_units.md rate limiter).
//> window 1min, quota 512MiB
//> 8947848 B/s
//> attempt 0: wait 250ms
//> attempt 1: wait 500ms
//> attempt 2: wait 1s
//> attempt 3: wait 2s
//> 1500ms
//> 0ns
//> 1500
units Duration: int {
    ns  = 1
    us  = 1_000
    ms  = 1_000 * us
    s   = 1_000 * ms
    min = 60 * s
}

units ByteSize: int { B = 1, KiB = 1_024, MiB = 1_024 * KiB, GiB = 1_024 * MiB }

struct Limit {
    window: Duration,
    quota: ByteSize,
}

impl Limit {
    fn per_second(self) -> int {
        let secs = self.window / 1s
        if secs == 0 { self.quota.B } else { self.quota.B / secs }
    }
}

fn backoff(attempt: int, base: Duration) -> Duration {
    let wait = base
    let i = 0
    while i < attempt {
        wait *= 2
        i += 1
    }
    if wait > 30s { 30s } else { wait }
}

fn main() -> int {
    let limit = Limit { window: 1min, quota: 512MiB }
    println("window {limit.window}, quota {limit.quota}")
    println("{limit.per_second()} B/s")
    let attempt = 0
    while attempt < 4 {
        println("attempt {attempt}: wait {backoff(attempt, 250ms)}")
        attempt += 1
    }
    let frame = 1.5s
    println(frame)
    println(0s)
    println(frame.ms)
    0
}
