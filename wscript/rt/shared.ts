/**
 * `Shared<T>`: a host-side handle to a live script value, or to a host value
 * inserted into the VM (concept_interop_types.md, PRD §6.5). Both sides
 * observe mutation: the handle holds the very object the script holds (a
 * list, a map, a struct or enum instance), not a copy.
 *
 * Access is borrow-checked at run time, like a `RefCell`: any number of
 * `read`s may nest, a `write` excludes every other access, and `value()`
 * (handing the value to the script, e.g. as a `vm.call` argument) is refused
 * while a `write` is in progress. Aliasing violations surface as error
 * values, never as exceptions. Only reference values can be shared: ints,
 * floats, bools, chars, strings and unit are immutable values in wscript, so
 * sharing one is refused with `not_shareable`.
 *
 * @example
 * const xs = Shared.of<number[]>([1, 2]);               // host value into the VM
 * if (xs.ok) { vm.call("push_three", [xs.shared.value().value]); xs.shared.read((v) => v.length); } // 3
 */

export type SharedErrorCode = "not_shareable" | "already_borrowed" | "already_mutably_borrowed";
export type SharedError = { code: SharedErrorCode; message: string };
export type SharedResult<R> = { ok: true; value: R } | { ok: false; error: SharedError };

export class Shared<T extends object> {
  /** Active `read`s (> 0), a `write` (-1), or none (0). */
  private borrow = 0;

  private constructor(private readonly live: T) {}

  /** Share a script value (e.g. a `vm.call` result) or a host value to insert into the VM. */
  static of<T extends object>(v: T): { ok: true; shared: Shared<T> } | { ok: false; error: SharedError } {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) {
      return {
        ok: false,
        error: { code: "not_shareable", message: `Cannot share a ${v === null ? "null" : typeof v}: only lists, maps, structs and enums are live references` },
      };
    }
    return { ok: true, shared: new Shared(v) };
  }

  /** The live value, to pass to the script; refused while a `write` is in progress. */
  value(): SharedResult<T> {
    if (this.borrow < 0)
      return { ok: false, error: { code: "already_mutably_borrowed", message: "Cannot hand the value to the script: it is being written by the host" } };
    return { ok: true, value: this.live };
  }

  /** Read the value; may nest with other reads, refused during a `write`. */
  read<R>(f: (v: Readonly<T>) => R): SharedResult<R> {
    if (this.borrow < 0) return { ok: false, error: { code: "already_mutably_borrowed", message: "Cannot read the value: it is being written" } };
    this.borrow++;
    try {
      return { ok: true, value: f(this.live) };
    } finally {
      this.borrow--;
    }
  }

  /** Mutate the value in place; refused while any other access is in progress. */
  write<R>(f: (v: T) => R): SharedResult<R> {
    if (this.borrow !== 0) {
      const code = this.borrow < 0 ? "already_mutably_borrowed" : "already_borrowed";
      return { ok: false, error: { code, message: `Cannot write the value: it is already ${this.borrow < 0 ? "being written" : "being read"}` } };
    }
    this.borrow = -1;
    try {
      return { ok: true, value: f(this.live) };
    } finally {
      this.borrow = 0;
    }
  }
}
