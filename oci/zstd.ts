/**
 * zstd for chunk frames: libzstd through Bun's FFI when the host has it
 * (`libzstd.so.1`, which qemu-utils and qemu-system depend on, so it is
 * there wherever vmlab runs), Bun's built-in zstd otherwise.
 *
 * Why not only Bun's built-in: measured here, `Bun.zstdDecompressSync`
 * decodes a 16 MiB frame ~12× slower than `ZSTD_decompress` into a reused
 * buffer (it allocates fresh output for every call, and in a VM every fresh
 * page is a fault), and compresses ~2× slower. The FFI path writes into
 * caller-owned buffers, so steady-state transfers allocate nothing large.
 *
 * Contract: `decompressFrame` returns the decoded bytes (a view of `out`
 * when the frame declares its size and it fits, else a fresh buffer) and
 * throws `oci.blob_invalid` on corrupt input; `compressInto` returns the
 * compressed length written to `out` (at least `compressBound(src)` long).
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { CodedError } from "../core/errors/mod.ts";

const SYMBOLS = {
  ZSTD_decompress: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.u64], returns: FFIType.u64 },
  ZSTD_compress: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.u64 },
  ZSTD_compressBound: { args: [FFIType.u64], returns: FFIType.u64 },
  ZSTD_isError: { args: [FFIType.u64], returns: FFIType.u32 },
  ZSTD_getFrameContentSize: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.u64 },
} as const;

type Lib = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

let loaded: { lib: Lib | undefined } | undefined;

/** libzstd's symbols, or undefined when the library is absent (`VMLAB_NO_LIBZSTD=1` forces that). */
export function libzstd(): Lib | undefined {
  if (loaded === undefined) {
    let lib: Lib | undefined;
    if (process.env.VMLAB_NO_LIBZSTD !== "1") {
      for (const name of ["libzstd.so.1", "libzstd.so"]) {
        try {
          lib = dlopen(name, SYMBOLS).symbols;
          break;
        } catch {
          // try the next name
        }
      }
    }
    loaded = { lib };
  }
  return loaded.lib;
}

/** Upper bound of the compressed size of `n` bytes. */
export function compressBound(n: number): number {
  const lib = libzstd();
  return lib ? Number(lib.ZSTD_compressBound(n)) : n + (n >> 7) + 65536;
}

/** Compress `src` into `out`; returns the bytes written. */
export function compressInto(src: Uint8Array, out: Uint8Array, level: number): number {
  const lib = libzstd();
  if (!lib) {
    const c = Bun.zstdCompressSync(src, { level });
    out.set(c);
    return c.length;
  }
  const n = lib.ZSTD_compress(ptr(out), out.length, ptr(src), src.length, level);
  if (lib.ZSTD_isError(n)) throw new CodedError("oci.compress_failed", "zstd compression failed", {});
  return Number(n);
}

const CONTENTSIZE_UNKNOWN = 0xffffffffffffffffn;
const CONTENTSIZE_ERROR = 0xfffffffffffffffen;

/** Decode one whole zstd frame, into `out` when it fits. */
export function decompressFrame(frame: Uint8Array, out: Uint8Array, subject: string): Uint8Array {
  const bad = () =>
    new CodedError("oci.blob_invalid", `blob ${subject} holds a zstd frame that does not decompress`, {
      subject,
      hint: "the blob is corrupted on the registry; push the template again",
    });
  const lib = libzstd();
  if (lib) {
    const declared = BigInt(lib.ZSTD_getFrameContentSize(ptr(frame), frame.length));
    if (declared === CONTENTSIZE_ERROR) throw bad();
    if (declared !== CONTENTSIZE_UNKNOWN && declared <= BigInt(out.length)) {
      const n = lib.ZSTD_decompress(ptr(out), out.length, ptr(frame), frame.length);
      if (lib.ZSTD_isError(n) || Number(n) !== Number(declared)) throw bad();
      return out.subarray(0, Number(n));
    }
  }
  try {
    return Bun.zstdDecompressSync(frame);
  } catch {
    throw bad();
  }
}
