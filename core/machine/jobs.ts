/**
 * Running a QMP background job to its end (QAPI job.json): start the command with a
 * fresh `job-id`, poll `query-jobs` with backoff until the job is `concluded`, read its
 * `error`, then `job-dismiss` it.
 *
 * Why poll and not wait for `JOB_STATUS_CHANGE`: polling needs nothing but an executor
 * (the same fake serves unit tests), a missed event cannot hang it, and the jobs vmlab
 * runs (snapshot-save/-load/-delete, QEMU ≥ 6.0) take from a tenth of a second to
 * minutes, where a poll every few hundred ms costs nothing.
 *
 * Contract: resolves with `{error?}` once the job concluded (error = QEMU's message);
 * rejects with `JobTimeout` if it has not concluded by the deadline (the job is left to
 * QEMU: snapshot jobs cannot be cancelled midway), and with the executor's error when a
 * QMP command fails. A job that vanishes from `query-jobs` before concluding is
 * reported as an error, never as success.
 */
import type { Clock } from "../clock/mod.ts";
import type { QmpExecutor } from "../qmp/commands.ts";
import { type Backoff, sleep } from "./poll.ts";

/** Polling of `query-jobs`: fast first (small snapshots finish in ~100 ms), then ½ s. */
export const JOB_POLL_BACKOFF: Backoff = { initialMs: 50, maxMs: 500, factor: 2 };

/** One entry of `query-jobs` (the fields vmlab reads). */
interface JobInfo {
  readonly id: string;
  readonly status: string;
  readonly error?: string;
}

/** The job did not conclude in time. */
export class JobTimeout extends Error {
  override readonly name = "JobTimeout";
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super(`QMP job ${jobId} did not conclude within ${timeoutMs} ms`);
  }
}

/** Starts `command` as job `jobId` and waits for it to conclude. */
export async function runJob(
  qmp: QmpExecutor,
  command: string,
  args: Record<string, unknown>,
  opts: { readonly jobId: string; readonly timeoutMs: number; readonly clock: Clock; readonly backoff?: Backoff },
): Promise<{ error?: string }> {
  const backoff = opts.backoff ?? JOB_POLL_BACKOFF;
  const deadline = opts.clock.now() + opts.timeoutMs;
  await qmp.execute(command, { "job-id": opts.jobId, ...args });
  let pause = backoff.initialMs;
  for (;;) {
    const jobs = await qmp.execute<JobInfo[]>("query-jobs");
    const job = Array.isArray(jobs) ? jobs.find((j) => j.id === opts.jobId) : undefined;
    if (job === undefined) return { error: `job ${opts.jobId} disappeared before it concluded` };
    if (job.status === "concluded") {
      await qmp.execute("job-dismiss", { id: opts.jobId });
      return job.error === undefined ? {} : { error: job.error };
    }
    const remaining = deadline - opts.clock.now();
    if (remaining <= 0) throw new JobTimeout(opts.jobId, opts.timeoutMs);
    await sleep(opts.clock, Math.min(pause, remaining));
    pause = Math.min(backoff.maxMs, pause * backoff.factor);
  }
}
