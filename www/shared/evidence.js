// Sealed, signed evidence packets (`redflag-evidence/2`, docs/evidence.md),
// with Web Crypto only: the edge worker (workerd) and the reviewer
// extension (Chromium) write them, `redflag evidence verify` and `open`
// read them.
//
// The submission, raw contact values included, is sealed with HPKE
// (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// AES-128-GCM, to the legal team's X25519 public key; only the private
// key opens it. Outside `sealed` the packet holds what a referral needs
// without personal data: time, URL without its query, reference, packs,
// verdict, rule hits (ids and spans), keyed hashes of each field (HMAC-
// SHA-256 with a random key that is itself sealed, so a short field such
// as a phone number cannot be guessed from its hash) and of contacts (the
// deployment's ENTITY_KEY hashes). Everything but `signature` is signed
// with ed25519 over `redflag-evidence/2`, a NUL byte and the packet's
// canonical JSON; the packet is stored as that canonical JSON and a line
// break, so any byte changed is refused.
//
// The reviewer extension's decisions use the same pieces (docs/integrators.md,
// "Reviewer decisions"): each decision is sealed on its own when it is made
// (`sealTo`, info `redflag-decision/2`), and an export bundles the sealed
// decisions in one document signed by `signDocument` (`redflag-decisions/2`).
// `sealAndSign` is `sealTo` then `signDocument`.
//
// The HPKE steps are written out here (Web Crypto has X25519, HMAC and
// AES-GCM, not HPKE itself); www/test/evidence.test.mjs checks them
// against RFC 9180's published test vector (A.1) and against the Rust
// `hpke` crate through `redflag evidence open`.
import { sha256Hex } from "./sha256.js";

export const FORMAT = "redflag-evidence/2";
export const SUBMISSION_FORMAT = "redflag-submission/2";
export const SUITE = "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM";

const enc = new TextEncoder();
const subtle = () => globalThis.crypto.subtle;

/** JSON with keys sorted (UTF-16 code units) and no whitespace: the bytes that are signed. */
export function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

// ---------------------------------------------------------------- bytes

function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function i2osp(n, len) {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, n >>>= 8) out[i] = n & 0xff;
  return out;
}

export function toBase64(bytes) {
  let s = "";
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Base64 → bytes; null if not base64. */
export function fromBase64(text) {
  try {
    return Uint8Array.from(atob(String(text).trim()), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function fromBase64Url(s) {
  return fromBase64(s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "="));
}

/** A 32-byte key given as base64, or null. */
export function key32(text) {
  const b = typeof text === "string" && /^[A-Za-z0-9+/]{43}=$/.test(text.trim()) ? fromBase64(text) : null;
  return b && b.length === 32 ? b : null;
}

/** A key's id: the first 16 hex digits of the SHA-256 of its 32 bytes. */
export async function keyId(publicKey) {
  return (await sha256Hex(publicKey)).slice(0, 16);
}

// ----------------------------------------------------------------- HPKE

const KEM_SUITE = concat(enc.encode("KEM"), i2osp(0x0020, 2));
const HPKE_SUITE = concat(enc.encode("HPKE"), i2osp(0x0020, 2), i2osp(0x0001, 2), i2osp(0x0001, 2));
const V1 = enc.encode("HPKE-v1");
const EMPTY = new Uint8Array();
// PKCS #8 wrappings of a raw 32-byte X25519 / Ed25519 private key (RFC 8410).
const X25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const ED25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

async function hmac(key, data) {
  // HMAC pads a key with zeros: an empty salt is HashLen zero bytes (RFC 5869).
  const k = await subtle().importKey("raw", key.byteLength ? key : new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", k, data));
}

const labeledExtract = (suite, salt, label, ikm) => hmac(salt, concat(V1, suite, enc.encode(label), ikm));

async function labeledExpand(suite, prk, label, info, length) {
  // One HKDF-Expand block: every length here is at most 32.
  const t = await hmac(prk, concat(i2osp(length, 2), V1, suite, enc.encode(label), info, Uint8Array.of(1)));
  return t.slice(0, length);
}

async function x25519Private(raw) {
  const key = await subtle().importKey("pkcs8", concat(X25519_PKCS8, raw), { name: "X25519" }, true, ["deriveBits"]);
  const { x } = await subtle().exportKey("jwk", key);
  return { key, publicKey: fromBase64Url(x) };
}

/**
 * HPKE base-mode single-shot seal (RFC 9180 §6.1) to a raw X25519 public
 * key: { enc, ciphertext } (ciphertext with its 16-byte tag).
 * `ephemeral` (raw private key bytes) is for the RFC's test vectors only.
 */
export async function hpkeSeal(recipientPublic, info, aad, plaintext, { ephemeral } = {}) {
  let skE;
  let pkE;
  if (ephemeral) {
    ({ key: skE, publicKey: pkE } = await x25519Private(ephemeral));
  } else {
    const kp = await subtle().generateKey({ name: "X25519" }, true, ["deriveBits"]);
    skE = kp.privateKey;
    pkE = new Uint8Array(await subtle().exportKey("raw", kp.publicKey));
  }
  const pkR = await subtle().importKey("raw", recipientPublic, { name: "X25519" }, false, []);
  const dh = new Uint8Array(await subtle().deriveBits({ name: "X25519", public: pkR }, skE, 256));
  const eaePrk = await labeledExtract(KEM_SUITE, EMPTY, "eae_prk", dh);
  const shared = await labeledExpand(KEM_SUITE, eaePrk, "shared_secret", concat(pkE, recipientPublic), 32);
  const pskIdHash = await labeledExtract(HPKE_SUITE, EMPTY, "psk_id_hash", EMPTY);
  const infoHash = await labeledExtract(HPKE_SUITE, EMPTY, "info_hash", info);
  const context = concat(Uint8Array.of(0), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, shared, "secret", EMPTY);
  const key = await labeledExpand(HPKE_SUITE, secret, "key", context, 16);
  const nonce = await labeledExpand(HPKE_SUITE, secret, "base_nonce", context, 12);
  const aes = await subtle().importKey("raw", key, "AES-GCM", false, ["encrypt"]);
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, aes, plaintext));
  return { enc: pkE, ciphertext };
}

// -------------------------------------------------------------- signing

/** An ed25519 signer from a 32-byte seed (the format of `redflag keygen`'s key file). */
export async function ed25519Signer(seed) {
  const key = await subtle().importKey("pkcs8", concat(ED25519_PKCS8, seed), { name: "Ed25519" }, true, ["sign"]);
  const { x } = await subtle().exportKey("jwk", key);
  const publicKey = fromBase64Url(x);
  return { key, publicKey, keyId: await keyId(publicKey) };
}

/** A new ed25519 seed (for the extension's own signing key). */
export async function newEd25519Seed() {
  const kp = await subtle().generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const pkcs8 = new Uint8Array(await subtle().exportKey("pkcs8", kp.privateKey));
  return pkcs8.slice(pkcs8.length - 32);
}

/** `2026-12-03T17:00:00Z`: UTC, whole seconds (what the CLI reads). */
export function utcSeconds(date) {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A URL without its query and fragment (they may carry personal data; the sealed part keeps the whole URL). */
function bareUrl(url) {
  if (url == null) return null;
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return String(url).split(/[?#]/)[0];
  }
}

const wellFormed = (s) => (typeof s.toWellFormed === "function" ? s.toWellFormed() : s);

/**
 * Makes a packet. Returns { packet, text } where text (canonical JSON and
 * a line break) is what is stored and sent, byte for byte.
 *
 *   source: "edge" | "extension"; clock: whose clock `time` is
 *   time: Date; retainDays: days the packet is kept
 *   reference, url (the whole URL: sealed; without query in the clear)
 *   verdict: { verdict, score, packs, hits } (an engine verdict)
 *   fields: [[name, text], ...] as screened
 *   contacts: ["kind:keyed-hash", ...] (may be empty)
 *   rawContacts: [{ kind, value, hash }] (sealed only)
 *   listing, reviewer: strings or null; note: sealed only
 *   section, body (Uint8Array, sealed), contentType
 *   recipientPublic: 32 raw bytes; signer: from ed25519Signer()
 */
export async function makePacket(o) {
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const fields = o.fields.map(([name, text]) => ({ name: String(name), text: wellFormed(String(text)) }));
  const submission = {
    format: SUBMISSION_FORMAT,
    reference: o.reference,
    salt: toBase64(salt),
    url: o.url ?? null,
    section: o.section ?? null,
    fields,
    contacts: (o.rawContacts ?? []).map((c) => ({ kind: c.kind, value: c.value ?? null, hash: c.hash ?? null })),
    note: o.note ? wellFormed(String(o.note)) : null,
    body: o.body ? toBase64(o.body) : null,
    content_type: o.contentType ?? null,
  };
  const plaintext = enc.encode(canonicalJson(submission));
  const saltKey = await subtle().importKey("raw", salt, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
  const fieldHashes = [];
  for (const f of fields) fieldHashes.push({ name: f.name, hmac_sha256: hex(await subtle().sign("HMAC", saltKey, enc.encode(f.text))) });
  const v = o.verdict;
  return sealAndSign(
    FORMAT,
    {
      source: o.source,
      clock: o.clock,
      time: utcSeconds(o.time),
      retain_until: utcSeconds(new Date(o.time.getTime() + o.retainDays * 86_400_000)),
      reference: o.reference,
      url: bareUrl(o.url),
      listing: o.listing ?? null,
      verdict: v.verdict,
      score: v.score,
      packs: v.packs.map((p) => ({ id: p.id, version: p.version })),
      hits: v.hits.map((h) => ({ rule: h.rule, field: String(h.field), start: h.start, end: h.end })),
      fields: fieldHashes,
      contacts: [...(o.contacts ?? [])],
      reviewer: o.reviewer ?? null,
    },
    plaintext,
    o.recipientPublic,
    o.signer,
  );
}

/**
 * `plaintext` sealed with HPKE to `recipientPublic`, `info` and `aad`
 * given as strings: the `sealed` member of a document, { suite, recipient
 * (the key's id), enc, ciphertext } (base64).
 */
export async function sealTo(recipientPublic, info, aad, plaintext) {
  const sealed = await hpkeSeal(recipientPublic, enc.encode(info), enc.encode(aad), plaintext);
  return { suite: SUITE, recipient: await keyId(recipientPublic), enc: toBase64(sealed.enc), ciphertext: toBase64(sealed.ciphertext) };
}

/**
 * A signed document of `format`: `format`, the members of `doc`, `signer`,
 * and `signature` (ed25519 over the format, a NUL byte and the canonical
 * JSON of the rest). Returns { packet, text }: text (canonical JSON and a
 * line break) is what is stored, byte for byte.
 */
export async function signDocument(format, doc, signer) {
  const packet = { format, ...doc, signer: { public_key: toBase64(signer.publicKey), key_id: signer.keyId } };
  const message = concat(enc.encode(format), Uint8Array.of(0), enc.encode(canonicalJson(packet)));
  packet.signature = toBase64(await subtle().sign({ name: "Ed25519" }, signer.key, message));
  return { packet, text: `${canonicalJson(packet)}\n` };
}

/**
 * A sealed, signed document of `format` (`redflag-evidence/2` packets,
 * `redflag-decisions/1` decision exports): the clear members of `doc`, then
 * `format`, `content_sha256` (of `plaintext`), `sealed` (`plaintext` sealed
 * with HPKE to `recipientPublic`, info = the format, aad = `doc.reference`),
 * `signer`, and `signature` (ed25519 over the format, a NUL byte and the
 * canonical JSON of the rest). Returns { packet, text }: text (canonical
 * JSON and a line break) is what is stored, byte for byte.
 */
export async function sealAndSign(format, doc, plaintext, recipientPublic, signer) {
  const sealed = await sealTo(recipientPublic, format, doc.reference, plaintext);
  return signDocument(format, { ...doc, content_sha256: await sha256Hex(plaintext), sealed }, signer);
}

/** Lowercase hex HMAC-SHA-256 of a string's UTF-8 bytes under a raw key. */
export async function hmacHex(key, text) {
  const k = await subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return [...new Uint8Array(await subtle().sign("HMAC", k, enc.encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
