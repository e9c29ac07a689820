// `redflag/edge`: the edge worker's request handler, runtime-neutral
// (standard Request/Response, fetch and Web Crypto). Wire it to a runtime as
// the example worker (www/edge/worker.js in the repository) does.
import type { Engine, Section, VerifiedHashList } from "redflag";

/** A route to screen: an exact path (also with a trailing slash), or a prefix ending in `*`. */
export interface RouteSetting {
  path: string;
  /** Methods to screen (default POST, PUT, PATCH). */
  methods?: string[];
  /** Match the path's case exactly (default false). */
  caseSensitive?: boolean;
}

/** A route as `configFromEnv` validated it. */
export interface Route {
  path: string;
  prefix: boolean;
  key: string;
  methods: string[];
  caseSensitive: boolean;
}

/** The environment bindings `configFromEnv` reads; all optional strings. */
export interface EdgeEnv {
  ROUTES?: string | RouteSetting[];
  FIELDS?: string;
  SECTION_FIELD?: string;
  SECTION?: string;
  MAX_BODY_BYTES?: string | number;
  MAX_READ_MS?: string | number;
  RETRY_AFTER?: string | number;
  COUNTERS_EVERY?: string | number;
  FAILURE_POLICY?: "fail-open" | "fail-closed" | (string & {});
  ORIGIN?: string;
  VERDICT_SECRET?: string;
  STATS_TOKEN?: string;
  /** Enables the report route: where report records are POSTed. */
  REPORT_URL?: string;
  /** The report route (default `/__redflag/report`). */
  REPORT_ROUTE?: string;
  /** Largest report body in bytes (default 65536; 1024 to 1048576). */
  REPORT_MAX_BYTES?: string | number;
  /** Reports per client per window (default 5). */
  REPORT_RATE_LIMIT?: string | number;
  /** The rate-limit window in seconds (default 600). */
  REPORT_RATE_WINDOW?: string | number;
  /** The header naming the client (default `CF-Connecting-IP`). */
  REPORT_CLIENT_HEADER?: string;
  /** The appeal page, with `{ref}` for the reference (absolute http(s) URL or a path). */
  APPEAL_URL?: string;
  /** Where a record of each block (no text) is POSTed. */
  BLOCKS_URL?: string;
  /** Image screening, "on" or "off" (default: on with hash lists). docs/images.md. */
  IMAGES?: string;
  /** Largest picture hashed, in bytes (default 8 MiB). */
  IMAGE_MAX_BYTES?: string | number;
  /** Largest picture hashed, in pixels (default 8388608). */
  IMAGE_MAX_PIXELS?: string | number;
  /** Bytes of pictures hashed per request (default 16 MiB). */
  IMAGE_MAX_REQUEST_BYTES?: string | number;
  /** Pixels hashed per request (default 33554432). */
  IMAGE_MAX_REQUEST_PIXELS?: string | number;
  /** Pictures hashed per request (default 8, at most 32). */
  IMAGE_MAX_PARTS?: string | number;
  /** Match threshold in bits for every list (default: each list's own, else 31). */
  IMAGE_THRESHOLD?: string | number;
  /** Lowest PDQ quality matched (default 50). */
  IMAGE_MIN_QUALITY?: string | number;
  /** What a picture that could not be hashed does: "review" (default) or "pass". */
  IMAGE_UNSCREENED?: string;
  /** Also match turned and mirrored copies: "true" (default) or "false". */
  IMAGE_DIHEDRAL?: string;
  [binding: string]: unknown;
}

/** The handler's configuration, validated. */
export interface EdgeConfig {
  routes: Route[];
  /** Field names (or JSON paths) to screen; null: every text field. */
  fields: string[] | null;
  sectionField: string;
  section: Section | null;
  maxBodyBytes: number;
  maxReadMs: number;
  failure: "fail-open" | "fail-closed";
  retryAfter: number;
  countersEvery: number;
  maxScreens: number;
  maxContacts: number;
  /** Where to forward, when not the request's own host. */
  origin: { origin: string; base: string } | null;
  /** Signs X-Redflag-Token when set. */
  secret: string | null;
  /** Enables GET /__redflag/counters. */
  statsToken: string | null;
  /** The report route's settings; null without REPORT_URL. */
  report: ReportConfig | null;
  /** APPEAL_URL, as given. */
  appealUrl: string | null;
  /** BLOCKS_URL. */
  blocksUrl: string | null;
  /** Sealed evidence (EVIDENCE_*); null without EVIDENCE_URL. */
  evidence: EvidenceConfig | null;
  /** Image screening (IMAGE_*); null when off. */
  images: ImageConfig | null;
}

/** Image screening settings (IMAGE_*, docs/images.md). */
export interface ImageConfig {
  maxBytes: number;
  maxPixels: number;
  maxRequestBytes: number;
  maxRequestPixels: number;
  maxParts: number;
  /** null: each list's own threshold, else 31. */
  threshold: number | null;
  minQuality: number;
  unscreened: "review" | "pass";
  dihedral: boolean;
}

/** A verified hash list, as the text module's `verifySignedHashList` returns it. */
export type EdgeHashList = VerifiedHashList;

/** Sealed evidence settings (EVIDENCE_*, docs/evidence.md). */
export interface EvidenceConfig {
  /** EVIDENCE_URL: where signed, sealed packets are POSTed. */
  url: string;
  /** EVIDENCE_PUBLIC_KEY: the legal team's X25519 public key (32 bytes). */
  recipient: Uint8Array;
  /** EVIDENCE_SIGNING_KEY: the ed25519 seed that signs packets (32 bytes). */
  seed: Uint8Array;
  /** EVIDENCE_ON: the tiers that are preserved ("block", and optionally "review"). */
  on: ("block" | "review")[];
  /** EVIDENCE_RETAIN_DAYS (default 365). */
  retainDays: number;
}

/** The report route's settings (REPORT_*). */
export interface ReportConfig {
  url: string;
  route: string;
  key: string;
  maxBytes: number;
  rateLimit: number;
  /** Seconds. */
  rateWindow: number;
  clientHeader: string;
}

/** Per-submission counts, without personal data. */
export interface Counters {
  since: string;
  submissions: number;
  tiers: { allow: number; warn: number; review: number; block: number; error: number };
  categories: Record<string, number>;
  errors: Record<string, number>;
  notes: Record<string, number>;
}

/** What `record` receives for each submission. */
export interface CounterEvent {
  tier: "allow" | "warn" | "review" | "block" | "error";
  categories: string[];
  error: string | null;
  notes: string[];
}

/** The part of the runtime's context the handler uses (`ctx.waitUntil` in workers). */
export interface HandlerContext {
  waitUntil?(promise: Promise<unknown>): void;
}

export interface HandlerOptions {
  config: EdgeConfig;
  /** The engine to screen with; may throw (an engine fault, handled by the failure policy). */
  getEngine(): Pick<Engine, "screen" | "limits" | "packs">;
  /** Sends a request to the origin (default: `fetch`). */
  fetchOrigin?(request: Request): Promise<Response>;
  /** Writes one structured log line (default: JSON on console.log). */
  log?(line: Record<string, unknown>): void;
  /** Gets every submission's counts, e.g. to add them to a Durable Object. */
  record?: ((event: CounterEvent, ctx?: HandlerContext) => unknown) | null;
  /** The aggregated counters, for the stats endpoint. */
  counters?: (() => Counters | Promise<Counters>) | null;
  /** Screen with entities and forward keyed contact hashes. */
  entities?: boolean;
  /**
   * Needed when `config.images` is set: `load` resolves to the image module
   * (`{ hashImage, HashList }`, imported on the first picture), `lists`
   * returns the verified hash lists in force.
   */
  images?: { load(): Promise<unknown>; lists?(): EdgeHashList[] } | null;
}

/** The request handler; `counters()` returns this handler's own counts. */
export interface Handler {
  (request: Request, ctx?: HandlerContext): Promise<Response>;
  counters(): Counters;
}

/** Default settings. */
export const DEFAULTS: Readonly<{
  routes: RouteSetting[];
  fields: null;
  sectionField: string;
  section: null;
  maxBodyBytes: number;
  maxReadMs: number;
  failure: "fail-open";
  retryAfter: number;
  countersEvery: number;
  maxScreens: number;
  maxContacts: number;
}>;

/** Largest MAX_BODY_BYTES accepted. */
export const MAX_BODY_BYTES_CEILING: number;

/** Most bytes of a blocked body read and dropped before the 422. */
export const DRAIN_BYTES: number;

/** The sections the engine knows. */
export const SECTIONS: Section[];

/** A configuration error: names the setting, never echoes a secret. */
export class ConfigError extends Error {
  constructor(setting: string, message: string);
  setting: string;
}

/** Configuration from environment bindings over the defaults; throws a ConfigError naming the first bad setting. */
export function configFromEnv(env?: EdgeEnv): EdgeConfig;

/** Creates the request handler. */
export function createHandler(options: HandlerOptions): Handler;

/** The path forwarded to the origin: normalised, never leaving the origin. */
export function forwardPath(pathname: string): string;

/** The keys a path is matched on, as different origins read it. */
export function matchKeys(path: string): string[];

/** Request headers for the origin: hop-by-hop, Proxy-* and client X-Redflag-* headers removed. */
export function cleanHeaders(headers: Headers): Headers;

/** Reads and drops a body (at most `max` bytes, for at most `maxMs`). */
export function drain(stream: ReadableStream<Uint8Array> | null | undefined, max: number, maxMs: number): Promise<void>;

/** The default report route. */
export const REPORT_ROUTE: string;

/** The appeal link for a reference: `{ref}` replaced (URL-encoded), or `ref=` appended. */
export function appealLink(template: string, reference: string): string;
