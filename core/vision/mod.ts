/**
 * Screen vision (issue 7 item 6; fact_vm_vision.md, entity_match_type.md, PRD §10.3):
 * everything `vm.screenshot`, `find_image`, `wait_for_image*`, `wait_for_any`, `ocr*` and
 * `wait_for_text` need, as a library with no daemon or CLI imports.
 *
 * - Images: `decodeImage(bytes, source)` (PNG any colour type / PPM P6 / PGM P5, never
 *   throws), `readImageFile(path)`, `encodePng(rgb)`, `encodePpm(rgb)`, `toGray` (OpenCV's
 *   BT.601 fixed point), `cropRgb`, `cropGray`, `checkRegion`.
 * - Matching: `findTemplate(screen, template, {threshold=0.9, region})` → `Match | undefined`,
 *   `bestMatch` (best regardless of threshold, for timeout diagnostics), `findAllTemplates`
 *   (NMS), `exhaustiveBest` (the reference scan). Grey `TM_CCOEFF_NORMED`, exact-copy
 *   pre-scan, coarse-to-fine pyramid with integral-image normalisation.
 * - OCR: `ocr(engine, image, region?)` → `{text, words[{text, confidence, box}]}` behind the
 *   `OcrEngine` interface; `TesseractCli` is the engine (`tesseract-ocr` package).
 * - Errors: `VisionError` union on `code`; `VisionResult<T>`; `formatVisionError`.
 */
export type { Rect, VisionError, VisionErrorCode, VisionResult } from "./errors.ts";
export { fail, formatVisionError, ok } from "./errors.ts";
export type { GrayImage, RgbImage } from "./image.ts";
export { checkRegion, cropGray, cropRgb, grayToRgb, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, newGray, newRgb, toGray } from "./image.ts";
export { decodeImage, readImageFile } from "./decode.ts";
export { decodePng, isPng } from "./png_decode.ts";
export { encodePng, PNG_ZLIB_LEVEL } from "./png_encode.ts";
export { decodePpm, encodePpm, isPpm } from "./ppm.ts";
export type { Match, MatchOptions } from "./match.ts";
export { bestMatch, COARSE_CANDIDATES, DEFAULT_THRESHOLD, exhaustiveBest, findAllTemplates, findTemplate, MAX_LEVELS } from "./match.ts";
export { NccScorer } from "./ncc.ts";
export { firstExactOccurrence } from "./exact.ts";
export type { OcrEngine, OcrResult, OcrWord } from "./ocr.ts";
export { ocr } from "./ocr.ts";
export { prepareForOcr } from "./ocr_prep.ts";
export { OCR_TIMEOUT_MS, parseTesseractTsv, TESSERACT_PACKAGE, TesseractCli } from "./tesseract_cli.ts";
export type { TesseractCliOptions } from "./tesseract_cli.ts";
