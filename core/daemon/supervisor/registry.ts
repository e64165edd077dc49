/**
 * The supervisor's lab registry, persisted in `$XDG_STATE_HOME/vmlab/labs.json`
 * so a restarted supervisor (after `kill -9`, a crash or a reboot) can find
 * the lab daemons it started and either adopt them or clean up after them.
 *
 * Written atomically (temp file + rename); an unreadable or malformed file
 * is set aside as `labs.json.bad-<ts>` and an empty registry is used — a
 * corrupt file never stops the supervisor.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { SupervisorLabSchema, type SupervisorLab } from "../protocol.ts";

const RegistryFileSchema = z.object({ version: z.literal(1), labs: z.array(SupervisorLabSchema) });

export class LabRegistry {
  readonly #labs = new Map<string, SupervisorLab>();

  constructor(readonly file: string) {}

  load(): { problem?: string } {
    if (!existsSync(this.file)) return {};
    try {
      const parsed = RegistryFileSchema.safeParse(JSON.parse(readFileSync(this.file, "utf8")));
      if (parsed.success) {
        for (const l of parsed.data.labs) this.#labs.set(l.name, l);
        return {};
      }
      throw new Error(parsed.error.issues[0]?.message ?? "invalid");
    } catch (e) {
      const bad = `${this.file}.bad-${Date.now()}`;
      try {
        renameSync(this.file, bad);
      } catch {
        // ignore: the next save replaces it anyway
      }
      return { problem: `lab registry ${this.file} was unreadable (${(e as Error).message}); moved to ${bad}` };
    }
  }

  get(name: string): SupervisorLab | undefined {
    return this.#labs.get(name);
  }

  all(): SupervisorLab[] {
    return [...this.#labs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  set(lab: SupervisorLab): void {
    this.#labs.set(lab.name, lab);
    this.save();
  }

  update(name: string, patch: Partial<SupervisorLab>): SupervisorLab | undefined {
    const cur = this.#labs.get(name);
    if (!cur) return undefined;
    const next = { ...cur, ...patch };
    this.#labs.set(name, next);
    this.save();
    return next;
  }

  save(): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ version: 1, labs: this.all() }, null, 2) + "\n", { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      // A full disk must not kill the supervisor; the in-memory registry stays right.
    }
  }
}
