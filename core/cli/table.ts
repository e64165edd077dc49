/**
 * Plain-text tables for listings: left-aligned columns separated by two
 * spaces, header in bold when colour is on. `--json` output never goes
 * through here.
 */
import type { Style } from "./style.ts";

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], style?: Style): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const head = line(headers);
  return [style ? style.bold(head) : head, ...rows.map(line)].join("\n");
}
