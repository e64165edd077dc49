/**
 * The CLI's view of its process — working directory, environment, home, uid,
 * files, the template store and the two output streams — as one injectable
 * `CliIo`, so commands (validate, the lab loader, status, up) can be tested
 * without touching the real process. `processIo()` is the real one.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import type { FileProbe } from "../config/mod.ts";
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
}

/** The real file system as a FileProbe. */
export const diskFiles: FileProbe = {
  kind(path) {
    try {
      const s = statSync(path);
      return s.isDirectory() ? "dir" : "file";
    } catch {
      return undefined;
    }
  },
  read(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
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
        return readdirSync(dir).filter((f) => f.endsWith(".wcl")).sort();
      } catch {
        return [];
      }
    },
    store: directoryStore,
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
  };
}
