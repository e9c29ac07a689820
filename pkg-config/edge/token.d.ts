// `redflag/token`: verdict tokens, signed by the edge worker and verified by
// the origin. Web Crypto only: Node 18 and later, workers, Deno, Bun, browsers.

/** What the edge worker decided about one request body. */
export interface TokenPayload {
  /** The tier: `allow`, `warn`, `review`, `block`, or `error` (engine failure under fail-open). */
  v: "allow" | "warn" | "review" | "block" | "error";
  /** Score. */
  s: number;
  /** Ids of the rules that fired. */
  r: string[];
  /** Packs as `id@version`. */
  p: string[];
  /** Hex SHA-256 of the body (of its first `n` bytes when `n` is set). */
  h: string;
  /** Unix time of signing, in seconds. */
  t: number;
  /** Reference id, also in the poster's message and the logs. */
  ref: string;
  /** Notes: `truncated`, `undecodable`, `malformed`, `ambiguous-section`, … */
  w?: string[];
  /** Keyed contact hashes such as `phone:<hex>` (with ENTITY_KEY). */
  c?: string[];
  /** Bytes screened, when the body was larger than the limit. */
  n?: number;
  [key: string]: unknown;
}

export interface VerifyOptions {
  /** Largest accepted age of the token, in seconds (default 300). */
  maxAgeSeconds?: number;
  /** The current time in unix seconds (default: now). */
  now?: number;
}

/**
 * Verifies an `X-Redflag-Token` against the shared secret and the body that
 * came with it. Resolves to the payload, or to null when the signature, the
 * body's hash or the age is wrong.
 */
export function verifyToken(
  secret: string,
  token: string | null | undefined,
  bodyBytes: ArrayBuffer | ArrayBufferView | null | undefined,
  options?: VerifyOptions,
): Promise<TokenPayload | null>;

/** Signs a verdict payload (what the edge worker does). */
export function signToken(secret: string, payload: TokenPayload | Record<string, unknown>): Promise<string>;

/** Lowercase hex SHA-256 of bytes, or of a string's UTF-8 bytes. */
export function sha256Hex(data: string | ArrayBuffer | ArrayBufferView): Promise<string>;
