/**
 * One build per template ref at a time, across processes.
 *
 * A lock file `<store>/.builds/<arch>_<name>_<version>.lock` created with
 * O_EXCL holds the builder's pid. A second build of the same ref finds it
 * and fails with `build.busy` naming that pid; a lock whose pid is dead
 * (a builder killed with -9) is stale and taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { pidAlive } from "../store/lock.ts";

export const BUILDS_DIR = ".builds";

export interface BuildLock {
  readonly path: string;
  release(): void;
}

export function acquireBuildLock(storeRoot: string, arch: string, name: string, version: string, pid = process.pid): BuildLock {
  const dir = join(storeRoot, BUILDS_DIR);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${arch}_${name}_${version}.lock`.replace(/[^A-Za-z0-9._-]/g, "_"));
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return { path, release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(path, "utf8"), 10);
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) {
        throw new CodedError("build.busy", `template ${arch}/${name}@${version} is already being built (pid ${holder})`, {
          subject: `${arch}/${name}@${version}`,
          hint: "wait for that build to finish, or stop it; a second build of the same version is refused",
        });
      }
      rmSync(path, { force: true }); // stale: its builder died
    }
  }
  throw new CodedError("build.busy", `cannot take the build lock ${path}`, { subject: path, hint: "remove the file if no build is running" });
}
