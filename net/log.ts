/**
 * Structured logging hook for the fabric.
 *
 * `net/` never writes to stdout itself: every component takes an optional `NetLog`
 * and reports events as data (a literal `event` name plus fields), which the lab
 * daemon turns into its JSON-line logs (DESIGN §4). The default discards.
 */

/** One log record. */
export interface NetLogRecord {
  level: "debug" | "info" | "warn" | "error";
  event: string;
  message: string;
  [field: string]: unknown;
}

/** Sink for log records. */
export type NetLog = (record: NetLogRecord) => void;

/** The default sink: drops everything. */
export const silentLog: NetLog = () => {};
