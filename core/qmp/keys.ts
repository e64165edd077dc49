/**
 * QEMU key names (QAPI `QKeyCode`, ui.json) and the vmlab chord syntax on top of them.
 *
 * `parseKeyChord("ctrl-alt-del")` implements the chord vocabulary of the reference
 * (`fact_key_chords.md`): `-`-separated, case-insensitive names, either raw QKeyCode
 * names or the friendly aliases (`enter`, `del`, `win`, `pgup`, …). It returns a result
 * value, never throws. `keysForText()` maps US-ASCII text to one chord per character
 * for `type_text` (`\n` → ret, `\t` → tab).
 *
 * Leaves out: non-US layouts (the guest's keymap decides what a scancode means).
 */

/** Every QKeyCode QEMU 7.2 accepts. */
export const QKEY_CODES = [
  "unmapped",
  "shift",
  "shift_r",
  "alt",
  "alt_r",
  "ctrl",
  "ctrl_r",
  "menu",
  "esc",
  "1",
  "2",
  "3",
  "4",
  "5",
  "6",
  "7",
  "8",
  "9",
  "0",
  "minus",
  "equal",
  "backspace",
  "tab",
  "q",
  "w",
  "e",
  "r",
  "t",
  "y",
  "u",
  "i",
  "o",
  "p",
  "bracket_left",
  "bracket_right",
  "ret",
  "a",
  "s",
  "d",
  "f",
  "g",
  "h",
  "j",
  "k",
  "l",
  "semicolon",
  "apostrophe",
  "grave_accent",
  "backslash",
  "z",
  "x",
  "c",
  "v",
  "b",
  "n",
  "m",
  "comma",
  "dot",
  "slash",
  "asterisk",
  "spc",
  "caps_lock",
  "f1",
  "f2",
  "f3",
  "f4",
  "f5",
  "f6",
  "f7",
  "f8",
  "f9",
  "f10",
  "num_lock",
  "scroll_lock",
  "kp_divide",
  "kp_multiply",
  "kp_subtract",
  "kp_add",
  "kp_enter",
  "kp_decimal",
  "sysrq",
  "kp_0",
  "kp_1",
  "kp_2",
  "kp_3",
  "kp_4",
  "kp_5",
  "kp_6",
  "kp_7",
  "kp_8",
  "kp_9",
  "less",
  "f11",
  "f12",
  "print",
  "home",
  "pgup",
  "pgdn",
  "end",
  "left",
  "up",
  "down",
  "right",
  "insert",
  "delete",
  "stop",
  "again",
  "props",
  "undo",
  "front",
  "copy",
  "open",
  "paste",
  "find",
  "cut",
  "lf",
  "help",
  "meta_l",
  "meta_r",
  "compose",
  "pause",
  "ro",
  "hiragana",
  "henkan",
  "yen",
  "muhenkan",
  "katakanahiragana",
  "kp_comma",
  "kp_equals",
  "power",
  "sleep",
  "wake",
  "audionext",
  "audioprev",
  "audiostop",
  "audioplay",
  "audiomute",
  "volumeup",
  "volumedown",
  "mediaselect",
  "mail",
  "calculator",
  "computer",
  "ac_home",
  "ac_back",
  "ac_forward",
  "ac_refresh",
  "ac_bookmarks",
  "lang1",
  "lang2",
  "f13",
  "f14",
  "f15",
  "f16",
  "f17",
  "f18",
  "f19",
  "f20",
  "f21",
  "f22",
  "f23",
  "f24",
] as const;

/** A QEMU key name. */
export type QKeyCode = (typeof QKEY_CODES)[number];

const QKEY_SET: ReadonlySet<string> = new Set(QKEY_CODES);

/** Friendly chord names → QKeyCode (reference: fact_key_chords.md). */
const ALIASES: Readonly<Record<string, QKeyCode>> = {
  control: "ctrl",
  win: "meta_l",
  super: "meta_l",
  meta: "meta_l",
  enter: "ret",
  return: "ret",
  escape: "esc",
  del: "delete",
  space: "spc",
  pageup: "pgup",
  pagedown: "pgdn",
  ins: "insert",
  capslock: "caps_lock",
  numlock: "num_lock",
  scrolllock: "scroll_lock",
  printscreen: "print",
};

/** True if `name` is a QKeyCode. */
export function isQKeyCode(name: string): name is QKeyCode {
  return QKEY_SET.has(name);
}

/** Result of parsing a chord. */
export type KeyChordResult = { ok: true; keys: QKeyCode[] } | { ok: false; error: { code: "qmp.bad_key_name"; chord: string; name: string; hint: string } };

/** Parses `"ctrl-alt-del"` into `["ctrl", "alt", "delete"]`. */
export function parseKeyChord(chord: string): KeyChordResult {
  const names = chord.trim().toLowerCase().split("-");
  const keys: QKeyCode[] = [];
  for (const raw of names) {
    const name = raw === "" && names.length > 1 ? "minus" : raw;
    const key = ALIASES[name] ?? (isQKeyCode(name) ? name : undefined);
    if (key === undefined) {
      return {
        ok: false,
        error: {
          code: "qmp.bad_key_name",
          chord,
          name: raw,
          hint: "Use names like ctrl, alt, shift, win, enter, esc, del, f1..f12, a-z, 0-9 joined by '-'.",
        },
      };
    }
    keys.push(key);
  }
  return { ok: true, keys };
}

/** Unshifted US-ASCII characters and their keys. */
const PLAIN: Readonly<Record<string, QKeyCode>> = {
  " ": "spc",
  "\n": "ret",
  "\t": "tab",
  "-": "minus",
  "=": "equal",
  "[": "bracket_left",
  "]": "bracket_right",
  ";": "semicolon",
  "'": "apostrophe",
  "`": "grave_accent",
  "\\": "backslash",
  ",": "comma",
  ".": "dot",
  "/": "slash",
};

/** Characters typed with shift, and the key they are on. */
const SHIFTED: Readonly<Record<string, QKeyCode>> = {
  "!": "1",
  "@": "2",
  "#": "3",
  $: "4",
  "%": "5",
  "^": "6",
  "&": "7",
  "*": "8",
  "(": "9",
  ")": "0",
  _: "minus",
  "+": "equal",
  "{": "bracket_left",
  "}": "bracket_right",
  ":": "semicolon",
  '"': "apostrophe",
  "~": "grave_accent",
  "|": "backslash",
  "<": "comma",
  ">": "dot",
  "?": "slash",
};

/** Result of mapping text to key chords. */
export type TextKeysResult =
  | { ok: true; chords: QKeyCode[][] }
  | { ok: false; error: { code: "qmp.untypeable_char"; char: string; index: number; hint: string } };

/** One chord per character of US-ASCII `text` (uppercase and symbols add `shift`). */
export function keysForText(text: string): TextKeysResult {
  const chords: QKeyCode[][] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/^[a-z0-9]$/.test(ch)) chords.push([ch as QKeyCode]);
    else if (/^[A-Z]$/.test(ch)) chords.push(["shift", ch.toLowerCase() as QKeyCode]);
    else if (PLAIN[ch]) chords.push([PLAIN[ch]]);
    else if (SHIFTED[ch]) chords.push(["shift", SHIFTED[ch]]);
    else {
      return {
        ok: false,
        error: { code: "qmp.untypeable_char", char: ch, index: i, hint: "type_text supports US-ASCII only." },
      };
    }
  }
  return { ok: true, chords };
}
