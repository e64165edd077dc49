/**
 * Role dispatch for the one vmlab binary (DESIGN §2).
 *
 * `pickRole` is pure: it looks at the basename the program was invoked as
 * and at hidden subcommands. `runRole` starts the chosen role and returns its exit
 * code.
 */
import { basename } from "node:path";

export type Role = "cli" | "supervisor" | "lab";

/** Hidden subcommands that select a daemon role when argv[0] cannot. */
export const ROLE_SUBCOMMANDS: Readonly<Record<string, Role>> = {
  __supervisor: "supervisor",
  __lab: "lab",
};

const ROLE_NAMES: Readonly<Record<string, Role>> = {
  vmlab: "cli",
  vmlabd: "supervisor",
  "vmlab-lab": "lab",
};

/**
 * Decide the role. `argv` is process.argv: [runtime-or-binary, script?, ...args].
 * For a compiled binary Bun reports argv[0] as "bun" and argv[1] as the
 * invoked path; when running from source argv[1] is main.ts.
 */
export function pickRole(argv: readonly string[], argv0: string = process.argv0): { role: Role; args: string[] } {
  const invokedAs = invokedName(argv, argv0);
  const args = argv.slice(2);
  const first = args[0];
  if (first !== undefined && first in ROLE_SUBCOMMANDS) {
    return { role: ROLE_SUBCOMMANDS[first] as Role, args: args.slice(1) };
  }
  return { role: ROLE_NAMES[invokedAs] ?? "cli", args };
}

/**
 * The name the program was invoked as. A compiled Bun binary reports the
 * invoked path (symlink included) in process.argv0 and an internal
 * `/$bunfs/...` path in argv[1]; from source argv0 is the runtime itself.
 */
export function invokedName(argv: readonly string[], argv0: string): string {
  const zero = basename(argv0);
  const candidate = zero === "bun" || zero === "node" ? (argv[1] ?? "vmlab") : argv0;
  return basename(candidate).replace(/\.(ts|js)$/, "");
}

export async function runRole(role: Role, args: string[]): Promise<number> {
  switch (role) {
    case "cli": {
      const { runCli } = await import("./cli/run.ts");
      return runCli(args);
    }
    case "supervisor": {
      const { runSupervisor } = await import("./daemon/supervisor/main.ts");
      // Daemons end with process.exit: detached children and idle sockets must not keep them alive.
      process.exit(await runSupervisor(args));
    }
    case "lab": {
      const { runLabDaemon } = await import("./daemon/lab/main.ts");
      process.exit(await runLabDaemon(args));
    }
    default: {
      const never: never = role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
}
