/**
 * The CLI's view of its process — working directory, environment, home, uid,
 * files, the template store and the two output streams — as one injectable
 * `CliIo`, so commands (validate, the lab loader, status, up) can be tested
 * without touching the real process. `processIo()` is the real one.
 */
import { readdirSync, statSync } from "node:fs";
import { availableParallelism, homedir, totalmem } from "node:os";
import type { FileProbe, HostResources } from "../config/mod.ts";
import { readSourceFile } from "../config/source_file.ts";
import type { Env } from "../store/paths.ts";
import { directoryStore, type StoreReader } from "../store/lookup.ts";

/** Everything a command touches of the process (cwd, env, files, output), injectable for tests. */
export interface CliIo {
  readonly cwd: string;
  readonly env: Env;
  readonly home: string;
  readonly uid: number;
  readonly isTTY: boolean;
  readonly files: FileProbe;
  /** Names of `*.wcl` files in a directory (empty when it does not exist). */
  readonly list: (dir: string) => string[];
  /** The template store rooted at a `templates` directory. */
  readonly store: (templatesRoot: string) => StoreReader;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** The host's RAM and CPUs, for capacity warnings (absent: not checked). */
  readonly host?: HostResources;
}

/** The real file system as a FileProbe: only regular files under the size cap are read (no FIFO hang). */
export const diskFiles: FileProbe = {
  kind(path) {
    try {
      const s = statSync(path);
      return s.isDirectory() ? "dir" : s.isFile() ? "file" : "other";
    } catch {
      return undefined;
    }
  },
  read(path) {
    const r = readSourceFile(path);
    return "text" in r ? r.text : undefined;
  },
  problem(path) {
    const r = readSourceFile(path);
    return "problem" in r ? r.problem : undefined;
  },
};

export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    home: process.env.HOME ?? homedir(),
    uid: process.getuid?.() ?? 0,
    isTTY: process.stdout.isTTY === true,
    files: diskFiles,
    list: (dir) => {
      try {
        return readdirSync(dir)
          .filter((f) => f.endsWith(".wcl"))
          .sort();
      } catch {
        return [];
      }
    },
    store: directoryStore,
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    host: { memoryBytes: totalmem(), cpus: availableParallelism() },
  };
}
