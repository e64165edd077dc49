/**
 * The template store (PRD §6.2, entity_template_store.md): references and
 * version ordering, read-only lookups for validation, and the writable
 * `TemplateStore` with archives, adoption of bare qcow2 images, removal
 * guarded by linked-clone tracking, and a cross-process lock.
 *
 * @example
 * const store = new TemplateStore(); // $XDG_DATA_HOME/vmlab/templates
 * const t = store.resolve("x86_64/linux-modern"); // highest version
 * await store.exportArchive(t.ref, "linux.tar.zst");
 */
export * from "./ref.ts";
export * from "./paths.ts";
export * from "./lookup.ts";
export * from "./errors.ts";
export * from "./metadata.ts";
export * from "./lock.ts";
export * from "./tar.ts";
export * from "./archive.ts";
export * from "./clones.ts";
export * from "./convert.ts";
export * from "./staging.ts";
export * from "./inspect.ts";
export * from "./image_safety.ts";
export * from "./store.ts";
export * from "./pulled.ts";
export * from "./oci.ts";
