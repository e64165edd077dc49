/**
 * Libraries built into the binary, served to `import <name>`.
 *
 * `<vmlab.wcl>` is the line every lab file starts with. The vmlab schema
 * itself lives in schema.ts (checked after evaluation), so the library only
 * exports a few constants a lab may use in expressions.
 */

export const VMLAB_LIBRARY = `// vmlab's built-in WCL library. The schema is enforced by \`vmlab validate\`;
// see \`vmlab schema --markdown\` for every block and attribute.
export let vmlab_schema_version = 1
export let vmlab_arches = ["x86_64", "i386", "aarch64", "arm", "riscv64", "riscv32", "ppc", "ppc64", "s390x", "mips64el", "loongarch64"]
export let vmlab_profiles = ["windows-11", "windows-server", "windows-legacy", "linux-modern", "linux-generic", "custom"]
`;

/** Library name → source. */
export const LIBRARIES: ReadonlyMap<string, string> = new Map([["vmlab.wcl", VMLAB_LIBRARY]]);
