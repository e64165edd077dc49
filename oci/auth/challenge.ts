/**
 * `WWW-Authenticate` challenges (RFC 7235 §4.1) as registries send them:
 * `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"` (the Docker
 * token authentication specification).
 *
 * Contract: `parseChallenges` never throws; unknown schemes are kept with
 * their parameters, malformed parameter lists end the parse of that
 * challenge. Parameter names are lower-cased; quoted values are unescaped.
 */

export interface Challenge {
  /** Lower-cased scheme: `basic`, `bearer`, … */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** All challenges in one header value. */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let s = header.trim();
  while (s.length > 0) {
    const scheme = TOKEN.exec(s)?.[0];
    if (scheme === undefined) break;
    s = s.slice(scheme.length).trimStart();
    const params: Record<string, string> = {};
    // params: name=value pairs separated by commas, until the next scheme token
    for (;;) {
      const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*/.exec(s);
      if (!m || m[1] === undefined) break;
      const name = m[1].toLowerCase();
      let rest = s.slice(m[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        let i = 1;
        let v = "";
        while (i < rest.length && rest[i] !== '"') {
          if (rest[i] === "\\" && i + 1 < rest.length) i++;
          v += rest[i];
          i++;
        }
        if (i >= rest.length) return [...out, { scheme: scheme.toLowerCase(), params }]; // unterminated quote
        value = v;
        rest = rest.slice(i + 1);
      } else {
        const t = /^[^,\s]*/.exec(rest)?.[0] ?? "";
        value = t;
        rest = rest.slice(t.length);
      }
      params[name] = value;
      s = rest.trimStart();
      if (s.startsWith(",")) s = s.slice(1).trimStart();
      else break;
    }
    out.push({ scheme: scheme.toLowerCase(), params });
  }
  return out;
}
