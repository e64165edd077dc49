/**
 * @deprecated The daemon's own error class became the shared `CodedError`
 * (core/errors/mod.ts). This alias keeps code written against the old name
 * compiling while it migrates; new code imports `CodedError` directly.
 */
export { CodedError as VmlabError } from "../errors/mod.ts";
