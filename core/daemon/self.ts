/**
 * How the one vmlab executable starts itself in another role (DESIGN §2).
 *
 * Compiled, `process.execPath` is the vmlab binary and the hidden
 * subcommand picks the role. From source (tests, `bun main.ts`), the runtime
 * is Bun and the entry script must be passed too.
 */
export type DaemonSubcommand = "__supervisor" | "__lab";

/** True inside the single-file executable built by scripts/build.ts. */
export function isCompiled(): boolean {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
}

/** argv that starts this same program as a daemon role. */
export function selfArgv(sub: DaemonSubcommand, args: readonly string[] = []): string[] {
  return isCompiled() ? [process.execPath, sub, ...args] : [process.execPath, Bun.main, sub, ...args];
}
