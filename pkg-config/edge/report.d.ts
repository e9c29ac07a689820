// The edge worker's report route (`POST /__redflag/report`): re-screens a
// reported ad and forwards a ranked record to REPORT_URL. core.js's
// handler dispatches to it when REPORT_URL is set.
import type { EdgeConfig, HandlerContext } from "./core.js";
import type { Engine } from "redflag";

/** A reason a reader can give. */
export type ReportReason = "minor" | "fees-debt" | "documents" | "movement" | "third-party" | "other";

/** Each reason's pack categories and severity (the priority formula). */
export const REPORT_REASONS: Readonly<Record<ReportReason, { categories: string[]; severity: number }>>;

/** Priority points of the re-screened tier. */
export const TIER_POINTS: Readonly<Record<"block" | "review" | "warn" | "allow" | "error", number>>;

/** Points added when the re-screen hit a rule in one of the reason's categories. */
export const CORROBORATED_POINTS: number;

/** Longest comment (characters), listing id and URL. */
export const MAX_COMMENT: number;
export const MAX_LISTING: number;
export const MAX_URL: number;

/** Most clients the rate limiter remembers per isolate. */
export const MAX_CLIENTS: number;

/** The record POSTed (JSON) to REPORT_URL, with X-Redflag-Token over its bytes when VERDICT_SECRET is set. */
export interface ReportRecord {
  type: "redflag.report";
  version: 1;
  reference: string;
  /** When the edge received the report (ISO 8601). */
  received: string;
  listing: string | null;
  url: string | null;
  reason: ReportReason;
  reasonCategories: string[];
  /** The reader's comment: plain text, to be shown as text, never as HTML. */
  comment: string;
  /** The re-screened verdict ("error": the engine failed). */
  verdict: "allow" | "warn" | "review" | "block" | "error";
  score: number;
  rules: string[];
  ruleCategories: string[];
  /** `id@version`. */
  packs: string[];
  /** Keyed contact hashes (`kind:hex`, with ENTITY_KEY); never raw contacts. */
  contacts: string[];
  corroborated: boolean;
  /** TIER_POINTS[verdict] + severity + (corroborated ? CORROBORATED_POINTS : 0); sort descending, then by score. */
  priority: number;
  section: string | null;
  /** SHA-256 (hex) of `title + "\n" + body` as reported: compare with the ad the site holds. */
  textSha256: string;
}

/** A report's priority and whether the re-screen corroborates its reason. */
export function reportPriority(verdict: string, reason: ReportReason | (string & {}), ruleCategories: string[]): { priority: number; corroborated: boolean };

/** A fixed-window rate limiter in memory. */
export function fixedWindowLimiter(options: { limit: number; windowMs: number; maxKeys?: number; now?: () => number }): {
  hit(key: string): { ok: true } | { ok: false; retryAfter: number };
  size(): number;
};

export interface ReportHandlerOptions {
  /** A config with `report` set (configFromEnv with REPORT_URL). */
  config: EdgeConfig;
  getEngine(): Pick<Engine, "screen">;
  entities?: boolean;
  fetchOrigin?(request: Request): Promise<Response>;
  log?(line: Record<string, unknown>): void;
  /** Reads and drops a refused body (bounded). */
  drain?(stream: ReadableStream<Uint8Array> | null): Promise<void>;
  now?(): number;
}

/** Creates the report route's handler. */
export function createReportHandler(options: ReportHandlerOptions): (request: Request, ctx?: HandlerContext) => Promise<Response>;
