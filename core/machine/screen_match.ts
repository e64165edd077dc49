/**
 * `Match` as scripts see it (entity_match_type.md): bounding box, centre, score and the
 * OCR text of a `wait_for_text` hit (empty for image hits).
 */
import type { Match } from "../vision/mod.ts";

/** An image or text hit on a VM's screen. */
export interface ScreenMatch extends Match {
  /** The matched text for text hits; "" for image hits. */
  readonly text: string;
}

/** Lifts a vision match (no text) to a `ScreenMatch`. */
export function imageHit(m: Match): ScreenMatch {
  return { x: m.x, y: m.y, w: m.w, h: m.h, cx: m.cx, cy: m.cy, score: m.score, text: "" };
}
