/**
 * The dependency direction of DESIGN §3 as data, and the check of one import edge
 * against it.
 *
 *     cli, web → daemon → {config, qemu, qmp, qga, store, build, media, shares,
 *                          vision, scripting, machine} → {wcl, net, oci, wscript}
 *
 * Every module belongs to the first area whose folder prefix matches its path. An
 * area may import itself, any `shared` area (leaves that import nothing of vmlab:
 * `core/errors`, `core/clock`, `core/testing`), and any area of a lower rank. Areas of one rank may
 * import each other (import cycles are caught separately) unless the rank is
 * `isolated`: the libraries at the bottom are each publishable on their own, so they
 * import nothing of each other. Paths matching no area (tests/, bench/, scripts/,
 * examples/, the root entry points) are unconstrained.
 */

/** One area of the tree. */
export interface Area {
  /** Shown in messages. */
  readonly name: string;
  /** Repository-relative folder prefixes (ending in `/`) or file paths. */
  readonly paths: readonly string[];
  /** Higher imports lower; shared areas are importable by all. */
  readonly rank: number;
  /** Importable from everywhere; may itself import only its own area. */
  readonly shared?: boolean;
}

/** A layering: areas plus the ranks whose areas may not import each other. */
export interface Layering {
  readonly areas: readonly Area[];
  readonly isolatedRanks: readonly number[];
}

const LIBRARY = 1;
const SERVICE = 2;
const DAEMON = 3;
const FRONT = 4;
const ENTRY = 5;

/** vmlab's layering (DESIGN §3). */
export const VMLAB_LAYERS: Layering = {
  areas: [
    { name: "core/errors", paths: ["core/errors/"], rank: 0, shared: true },
    { name: "core/clock", paths: ["core/clock/"], rank: 0, shared: true },
    // The tests' one poll-and-wait helper; imports nothing.
    { name: "core/testing", paths: ["core/testing/"], rank: 0, shared: true },
    // File-system rules every writer shares (atomic writes over user-named paths); imports only core/errors.
    { name: "core/fs", paths: ["core/fs/"], rank: 0 },
    { name: "core/wcl", paths: ["core/wcl/"], rank: LIBRARY },
    { name: "net", paths: ["net/"], rank: LIBRARY },
    { name: "oci", paths: ["oci/"], rank: LIBRARY },
    { name: "wscript", paths: ["wscript/"], rank: LIBRARY },
    ...["config", "qemu", "qmp", "qga", "store", "build", "media", "shares", "vision", "scripting", "machine"].map((n) => ({
      name: `core/${n}`,
      paths: [`core/${n}/`],
      rank: SERVICE,
    })),
    { name: "core (paths, version)", paths: ["core/paths.ts", "core/version.ts"], rank: SERVICE },
    { name: "core/daemon", paths: ["core/daemon/"], rank: DAEMON },
    { name: "core/cli", paths: ["core/cli/"], rank: FRONT },
    { name: "core/web", paths: ["core/web/"], rank: FRONT },
    // Picks the role (CLI, supervisor, lab daemon) from argv[0]: an entry point like main.ts.
    { name: "core/roles", paths: ["core/roles.ts"], rank: ENTRY },
  ],
  isolatedRanks: [LIBRARY],
};

/** The area `path` belongs to, if any. */
export function areaOf(layers: Layering, path: string): Area | undefined {
  return layers.areas.find((a) => a.paths.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p)));
}

/** Why `from` may not import `to`, or undefined when it may. */
export function directionViolation(layers: Layering, from: string, to: string): string | undefined {
  const a = areaOf(layers, from);
  const b = areaOf(layers, to);
  if (!a || !b || a === b) return undefined;
  if (a.shared) return `${a.name} is a shared leaf and imports nothing of vmlab outside itself`;
  if (b.shared) return undefined;
  if (b.rank < a.rank) return undefined;
  if (b.rank === a.rank && !layers.isolatedRanks.includes(a.rank)) return undefined;
  if (b.rank === a.rank) return `${a.name} and ${b.name} are independent libraries and import nothing of each other`;
  return `${a.name} may not import ${b.name} (the dependency direction is ${describe(layers)})`;
}

/** `core/cli, core/web → core/daemon → … ` for messages. */
export function describe(layers: Layering): string {
  const ranks = [...new Set(layers.areas.filter((a) => !a.shared).map((a) => a.rank))].sort((x, y) => y - x);
  return ranks
    .map((r) =>
      layers.areas
        .filter((a) => a.rank === r && !a.shared)
        .map((a) => a.name)
        .join(", "),
    )
    .map((s) => `{${s}}`)
    .join(" → ");
}
