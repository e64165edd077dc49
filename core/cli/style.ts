/**
 * Terminal styling that respects the user: colour only on a TTY, never when
 * NO_COLOR is set (https://no-color.org), forced with FORCE_COLOR.
 */

export interface Style {
  readonly color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  blue(s: string): string;
}

/** Decide whether to colour a stream. Pure: pass env and isTTY in. */
export function wantsColor(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return isTTY;
}

export function makeStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    color,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
    blue: wrap(34, 39),
  };
}

/** Style for stdout / stderr of this process. */
export function stdoutStyle(): Style {
  return makeStyle(wantsColor(process.env, Boolean(process.stdout.isTTY)));
}
export function stderrStyle(): Style {
  return makeStyle(wantsColor(process.env, Boolean(process.stderr.isTTY)));
}
