// Verdict tokens: the edge worker signs what it decided about a body, so
// the origin can trust the X-Redflag-* headers did not come from the client.
//
//   token = base64url(JSON payload) "." base64url(HMAC-SHA-256(secret, payload))
//   payload = { v: tier, s: score, r: rule ids, p: "id@version" packs,
//               h: hex SHA-256 of the request body, t: unix seconds, ref,
//               w?: notes ("truncated", "undecodable", "malformed",
//                   "ambiguous-section", …),
//               c?: keyed contact hashes ("phone:<hex>", with ENTITY_KEY),
//               i?: the pictures' PDQ hashes ("<hex>:<quality>"), m?: hash
//                   list matches ("<list>@<version>:<distance>"), u?: pictures
//                   not hashed (with image screening, docs/images.md),
//               n?: bytes screened, when the body was larger than the
//                   limit: then h is the hash of those first n bytes and
//                   v is at least "review" }
//
// Binding the body's hash means a token cannot be replayed on another body.
// Web Crypto only, so the same file runs in workers, browsers and Node ≥ 20.

import { sha256Hex } from "../shared/sha256.js";

const enc = new TextEncoder();

function b64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const keys = new Map();

/** The HMAC key for a secret, imported once. */
function hmacKey(secret) {
  if (!keys.has(secret)) {
    if (keys.size > 8) keys.clear();
    keys.set(secret, crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
  }
  return keys.get(secret);
}

// Lowercase hex SHA-256 of bytes (or a string's UTF-8): the shared copy,
// also `redflag/token`'s own export.
export { sha256Hex };

/** Signs a verdict payload. */
export async function signToken(secret, payload) {
  const body = b64url(enc.encode(JSON.stringify(payload)));
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret), enc.encode(body));
  return `${body}.${b64url(sig)}`;
}

/**
 * Verifies a token against the secret and the body it came with. Returns the
 * payload, or null if the signature, the body hash or the age is wrong.
 */
export async function verifyToken(secret, token, bodyBytes, { maxAgeSeconds = 300, now = Date.now() / 1000 } = {}) {
  if (typeof token !== "string") return null;
  const [body, sig] = token.split(".");
  if (!body || !sig) return null;
  let ok = false;
  try {
    ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), unb64url(sig), enc.encode(body));
  } catch {
    return null;
  }
  if (!ok) return null;
  const payload = JSON.parse(new TextDecoder().decode(unb64url(body)));
  let bytes = bodyBytes ?? new Uint8Array();
  if (Number.isInteger(payload.n)) {
    // Only the first n bytes were screened (the tier says so): bind those.
    if (bytes.byteLength < payload.n) return null;
    bytes = bytes.subarray(0, payload.n);
  }
  if (payload.h !== (await sha256Hex(bytes))) return null;
  if (Math.abs(now - payload.t) > maxAgeSeconds) return null;
  return payload;
}
