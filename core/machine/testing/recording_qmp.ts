/**
 * An in-memory `QmpExecutor` for unit tests of the machine-level helpers: it records
 * every command and answers from per-command handlers (a value, or a thrown error such
 * as a `QmpError`). Commands without a handler answer `{}` like most QEMU commands.
 */
import type { QmpExecutor } from "../../qmp/commands.ts";
import { QmpError } from "../../qmp/errors.ts";

/** A command as received. */
export interface RecordedCommand {
  readonly command: string;
  readonly args: Record<string, unknown> | undefined;
}

type Handler = (args: Record<string, unknown> | undefined) => unknown;

/** Records commands; answers from handlers. */
export class RecordingQmp implements QmpExecutor {
  readonly path = "/fake/qmp.sock";
  readonly commands: RecordedCommand[] = [];
  readonly #handlers = new Map<string, Handler>();

  /** Answers `command` with the handler's return value (or its thrown error). */
  handle(command: string, handler: Handler): this {
    this.#handlers.set(command, handler);
    return this;
  }

  /** Makes `command` fail as QEMU would, with a QMP error class and description. */
  fail(command: string, desc: string, errorClass = "GenericError"): this {
    return this.handle(command, () => {
      throw new QmpError({ code: "qmp.command_failed", path: this.path, command, errorClass, desc, hint: "" });
    });
  }

  /** The recorded commands named `command`. */
  named(command: string): RecordedCommand[] {
    return this.commands.filter((c) => c.command === command);
  }

  async execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    this.commands.push({ command, args });
    const h = this.#handlers.get(command);
    return (h ? h(args) : {}) as T;
  }
}
