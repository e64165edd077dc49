/**
 * Cross-host segments for one lab's fabric (issue 14, PRD §9.2): the trunk listener on
 * the host config's `trunk_port` and one dialer per `connect { host }` segment, each a
 * `TrunkLink` (net/trunk_link.ts) authenticated and sealed with the host's `psk`.
 *
 * Deviation from the design (said in the issue note): trunks run in the lab daemon's
 * fabric, not in the supervisor, so one lab per host listens on `trunk_port` at a time
 * (a second one fails `up` with `network.trunk_port_taken`).
 *
 * Contract:
 *  - `open()` listens when `trunk_port` is set, and starts every dialer. A `connect`
 *    segment or a `trunk_port` without a `psk` fails with `network.trunk_no_psk`.
 *  - Dialers reconnect with exponential backoff (`TRUNK_BACKOFF_MIN_MS` doubling to
 *    `TRUNK_BACKOFF_MAX_MS`), reset once a session is up. Each failure's reason is kept
 *    for `status` and logged when it changes (wrong key, version mismatch, refused).
 *  - One trunk per (segment, peer): when two sessions join the same segment to the same
 *    peer node (both sides dialled), the one dialled by the lower node id stays.
 *  - The listener accepts the lab's declared segments only; refusals are logged and the
 *    latest is listed in `status` as an inbound row with its reason.
 */
import { randomBytes } from "node:crypto";
import { connect as tcpConnect, createServer, type Server, type Socket } from "node:net";
import { startTrunkLink, TrunkSession, type NetLog, type Switch, type TrunkClose, type TrunkLink } from "../../../net/mod.ts";
import { FabricFailure } from "./fabric_error.ts";

/** First reconnect delay of a dialer. */
export const TRUNK_BACKOFF_MIN_MS = 500;
/** Longest reconnect delay of a dialer. */
export const TRUNK_BACKOFF_MAX_MS = 30_000;

/** Host settings of trunks (host config `psk`, `trunk_port`, `trunk_bind`). */
export interface TrunkSettings {
  psk?: string | undefined;
  port?: number | undefined;
  bind?: string | undefined;
}

/** One trunk as `status` shows it. */
export interface TrunkInfo {
  segment: string;
  peer: string;
  direction: "out" | "in";
  state: "connecting" | "up" | "down";
  error?: string;
  sent: number;
  received: number;
  replayed: number;
  tooOld: number;
  tampered: number;
}

interface Entry {
  segment: string;
  peer: string;
  direction: "out" | "in";
  link: TrunkLink | undefined;
  state: TrunkInfo["state"];
  error: string | undefined;
}

export interface FabricTrunksOptions {
  lab: string;
  log: NetLog;
  settings: TrunkSettings;
  /** The running switch of a declared segment. */
  switchFor(segment: string): Switch | undefined;
}

/** Trunks of one lab. */
export class FabricTrunks {
  readonly #o: FabricTrunksOptions;
  readonly #node = new Uint8Array(randomBytes(16));
  readonly #nodeHex = Buffer.from(this.#node).toString("hex");
  readonly #entries = new Set<Entry>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #server: Server | undefined;
  #closed = false;

  constructor(o: FabricTrunksOptions) {
    this.#o = o;
  }

  /** Listens (with `trunk_port`) and dials every `connect` segment. */
  async open(connects: readonly { segment: string; host: string }[]): Promise<void> {
    const { psk, port } = this.#o.settings;
    if ((connects.length || port !== undefined) && !psk) {
      const what = connects[0] ? `segment ${connects[0].segment} connects to ${connects[0].host}` : `trunk_port ${port} is set`;
      throw new FabricFailure({
        code: "trunk_no_psk",
        segment: connects[0]?.segment ?? "",
        message: `cannot start cross-host trunks: ${what} but the host config has no psk`,
        hint: 'set psk = "<a long random secret>" in the host block of ~/.config/vmlab/config.wcl on both hosts',
      });
    }
    if (port !== undefined) await this.#listen(port, this.#o.settings.bind ?? "127.0.0.1");
    for (const c of connects) this.#dial(c.segment, c.host, TRUNK_BACKOFF_MIN_MS);
  }

  /** Trunks of `segment` for status. */
  list(segment: string): TrunkInfo[] {
    return [...this.#entries]
      .filter((e) => e.segment === segment)
      .map((e) => {
        const s = e.link?.stats;
        return {
          segment: e.segment,
          peer: e.peer,
          direction: e.direction,
          state: e.state,
          ...(e.error ? { error: e.error } : {}),
          sent: s?.sent ?? 0,
          received: s?.received ?? 0,
          replayed: s?.replayed ?? 0,
          tooOld: s?.tooOld ?? 0,
          tampered: s?.tampered ?? 0,
        };
      });
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const e of this.#entries) e.link?.close();
    this.#entries.clear();
    this.#server?.close();
    this.#server = undefined;
  }

  #psk(): Uint8Array {
    return new TextEncoder().encode(this.#o.settings.psk ?? "");
  }

  async #listen(port: number, bind: string): Promise<void> {
    const server = createServer((sock) => this.#accept(sock));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e) =>
        reject(
          new FabricFailure({
            code: "trunk_port_taken",
            segment: "",
            port,
            message: `cannot listen for trunks on ${bind}:${port}: ${e.message}`,
            hint: "another lab or program holds trunk_port; stop it or pick another trunk_port in the host config",
          }),
        ),
      );
      server.listen(port, bind, () => resolve());
    });
    server.on("error", (e) => this.#o.log({ level: "warn", event: "net.trunk_listen_error", message: `Trunk listener: ${e.message}` }));
    this.#server = server;
  }

  #accept(sock: Socket): void {
    if (this.#closed) return void sock.destroy();
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    const session = new TrunkSession({ role: "listener", psk: this.#psk(), nodeId: this.#node, acceptSegment: (s) => this.#o.switchFor(s) !== undefined });
    const entry: Entry = { segment: "?", peer, direction: "in", link: undefined, state: "connecting", error: undefined };
    entry.link = startTrunkLink(sock, session, {
      name: `trunk:${peer}`,
      switchFor: (s) => this.#o.switchFor(s),
      onEstablished: (link) => {
        // Inbound rows replace the last refused one of their segment.
        for (const e of this.#entries) if (e.direction === "in" && e.segment === link.session.segment && e.state !== "up") this.#entries.delete(e);
        entry.segment = link.session.segment;
        entry.state = "up";
        this.#entries.add(entry);
        this.#o.log({ level: "info", event: "net.trunk_up", message: `Trunk from ${peer} joined segment ${entry.segment}`, segment: entry.segment });
        this.#dedupe(entry);
      },
      onClose: (why) => {
        entry.state = "down";
        if (why.reason === "closed" && entry.segment === "?") return;
        entry.segment = session.segment || entry.segment;
        entry.error = describe(why, peer, "in");
        if (why.reason !== "closed") {
          for (const e of this.#entries) if (e.direction === "in" && e.state !== "up" && e.segment === entry.segment) this.#entries.delete(e);
          this.#entries.add(entry);
          this.#o.log({
            level: "warn",
            event: "net.trunk_refused",
            message: `Trunk from ${peer}${entry.segment === "?" ? "" : ` for segment ${entry.segment}`}: ${entry.error}`,
            ...(entry.segment === "?" ? {} : { segment: entry.segment }),
          });
        } else this.#entries.delete(entry);
      },
    });
  }

  #dial(segment: string, host: string, delay: number): void {
    const entry: Entry = { segment, peer: host, direction: "out", link: undefined, state: "connecting", error: undefined };
    this.#entries.add(entry);
    this.#connect(entry, delay);
  }

  #connect(entry: Entry, delay: number): void {
    if (this.#closed) return;
    const i = entry.peer.lastIndexOf(":");
    const host = entry.peer.slice(0, i);
    const port = Number(entry.peer.slice(i + 1));
    entry.state = "connecting";
    const sock = tcpConnect({ host, port });
    let established = false;
    const retry = (why: TrunkClose): void => {
      entry.state = "down";
      entry.link = established ? entry.link : undefined;
      const text = describe(why, entry.peer, "out");
      if (text !== entry.error)
        this.#o.log({
          level: why.reason === "closed" && established ? "info" : "warn",
          event: "net.trunk_down",
          message: `Trunk of segment ${entry.segment} to ${entry.peer}: ${text}`,
          segment: entry.segment,
        });
      entry.error = text;
      if (this.#closed || !this.#entries.has(entry)) return;
      const next = established ? TRUNK_BACKOFF_MIN_MS : Math.min(delay * 2, TRUNK_BACKOFF_MAX_MS);
      const t = setTimeout(
        () => {
          this.#timers.delete(t);
          this.#connect(entry, next);
        },
        established ? TRUNK_BACKOFF_MIN_MS : delay,
      );
      this.#timers.add(t);
    };
    sock.once("error", (e) => {
      if (!entry.link) retry({ reason: "socket", message: e.message, refusedByPeer: false });
    });
    sock.once("connect", () => {
      const session = new TrunkSession({ role: "dialer", psk: this.#psk(), nodeId: this.#node, segment: entry.segment });
      entry.link = startTrunkLink(sock, session, {
        name: `trunk:${entry.peer}`,
        switchFor: (s) => this.#o.switchFor(s),
        onEstablished: () => {
          established = true;
          entry.state = "up";
          entry.error = undefined;
          this.#o.log({ level: "info", event: "net.trunk_up", message: `Trunk of segment ${entry.segment} to ${entry.peer} is up`, segment: entry.segment });
          this.#dedupe(entry);
        },
        onClose: retry,
      });
    });
  }

  /** Keeps one trunk per (segment, peer node): the one dialled by the lower node id. */
  #dedupe(fresh: Entry): void {
    const peerNode = fresh.link?.session.peerNode;
    if (!peerNode) return;
    const dialer = (e: Entry) => (e.direction === "out" ? this.#nodeHex : (e.link?.session.peerNode ?? ""));
    for (const e of this.#entries) {
      if (e === fresh || e.state !== "up" || e.segment !== fresh.segment || e.link?.session.peerNode !== peerNode) continue;
      const loser = dialer(e) < dialer(fresh) ? fresh : e;
      this.#o.log({
        level: "info",
        event: "net.trunk_duplicate",
        message: `Segment ${fresh.segment} already has a trunk to this peer: closing the duplicate to ${loser.peer}`,
        segment: fresh.segment,
      });
      if (loser.direction === "out") this.#entries.delete(loser);
      loser.link?.close();
      if (loser.direction === "in") this.#entries.delete(loser);
    }
  }
}

function describe(why: TrunkClose, peer: string, dir: "in" | "out"): string {
  switch (why.reason) {
    case "wrong_key":
      return dir === "out" && why.refusedByPeer
        ? `peer ${peer} refused our pre-shared key (the psk differs between the hosts)`
        : `peer ${peer} did not prove the pre-shared key (wrong psk)`;
    case "version_mismatch":
      return `version mismatch with ${peer}: ${why.message}`;
    case "unknown_segment":
      return `${peer}: ${why.message}`;
    case "socket":
      return `cannot reach ${peer}: ${why.message}`;
    case "timeout":
    case "protocol":
    case "closed":
      return `${peer}: ${why.message}`;
  }
}
