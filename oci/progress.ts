/**
 * Transfer progress as data: the library reports, the CLI draws.
 * `done`/`total` count bytes of the raw image (not compressed bytes), so the
 * rate a user sees is comparable between push, pull and the image size.
 */
export interface TransferProgress {
  readonly phase: "push" | "pull" | "verify";
  readonly done: number;
  readonly total: number;
  /** Compressed bytes actually sent or received so far. */
  readonly wire: number;
}

export type ProgressFn = (p: TransferProgress) => void;
