/**
 * Guest file bytes as an HTTP response body, with backpressure (issue #19 item 3).
 *
 * Contract: `guestFileBody(chunks, signal)` reads the first chunk before it
 * returns, so a guest file that cannot be opened or read becomes a coded error
 * while the reply can still carry a status. After that the body pulls one
 * agent chunk only when the client has taken the previous one (a queue of
 * `GUEST_STREAM_QUEUE_CHUNKS`), so a `/dev/zero` in the guest costs the daemon
 * a bounded amount of memory however slow the reader. When the client goes
 * away — the body is cancelled or the request's signal aborts — the chunk
 * generator is returned, which closes the guest file handle (see
 * `readGuestFileChunks`), and no further `guest-file-read` is sent.
 *
 * A failure mid-stream errors the body, which aborts the HTTP transfer (the
 * chunked encoding is never terminated), so the client sees a failed read and
 * never a silently short file.
 */

/** Agent chunks buffered ahead of a slow reader. */
export const GUEST_STREAM_QUEUE_CHUNKS = 1;

export async function guestFileBody(chunks: AsyncGenerator<Uint8Array, void, undefined>, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    // Queued behind a pending next(): runs the generator's finally (guest-file-close).
    void chunks.return(undefined).catch(() => {});
  };
  const first = await chunks.next();
  if (first.done) stopped = true;
  signal?.addEventListener("abort", stop, { once: true });
  let pending: Uint8Array | undefined = first.done ? undefined : first.value;
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctl) {
        if (pending) {
          ctl.enqueue(pending);
          pending = undefined;
          return;
        }
        if (stopped) {
          ctl.close();
          return;
        }
        try {
          const r = await chunks.next();
          if (r.done) {
            stopped = true;
            ctl.close();
          } else ctl.enqueue(r.value);
        } catch (e) {
          stopped = true;
          ctl.error(e);
        }
      },
      cancel() {
        stop();
      },
    },
    new CountQueuingStrategy({ highWaterMark: GUEST_STREAM_QUEUE_CHUNKS }),
  );
}
