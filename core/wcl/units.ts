/**
 * Byte-size literal units (`512MiB`, `8GiB`, `10GB`).
 *
 * A number immediately followed by one of these suffixes lexes as a byte
 * size — a value kind of its own, never silently an integer — so a schema can
 * demand "a size" and reject `memory = 2048`. Decimal units are powers of
 * 1000, binary units powers of 1024; the suffix is case-sensitive.
 */

/** Unit suffix → multiplier in bytes. */
export const BYTE_UNITS: ReadonlyMap<string, number> = new Map([
  ["B", 1],
  ["KB", 1e3],
  ["MB", 1e6],
  ["GB", 1e9],
  ["TB", 1e12],
  ["PB", 1e15],
  ["KiB", 2 ** 10],
  ["MiB", 2 ** 20],
  ["GiB", 2 ** 30],
  ["TiB", 2 ** 40],
  ["PiB", 2 ** 50],
]);

/** Binary units tried largest first when printing a size. */
const PRINT_ORDER = ["PiB", "TiB", "GiB", "MiB", "KiB"] as const;

/** Render a byte count with the largest binary unit that divides it exactly. */
export function formatBytes(bytes: number): string {
  for (const u of PRINT_ORDER) {
    const m = BYTE_UNITS.get(u) ?? 1;
    if (bytes !== 0 && bytes % m === 0) return `${bytes / m}${u}`;
  }
  return `${bytes}B`;
}
