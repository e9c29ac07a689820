// Lowercase hex SHA-256, with Web Crypto only (workers, browsers, extension
// service workers, Node 20 and later; Node 18 once `crypto` is installed as
// the package's node-crypto.js does). The one copy the edge worker's tokens,
// the reviewer's evidence packets and their checks share.

const enc = new TextEncoder();

/**
 * Lowercase hex SHA-256 of bytes, or of a string's UTF-8 bytes.
 * @param {string | ArrayBuffer | ArrayBufferView} data
 * @returns {Promise<string>}
 */
export async function sha256Hex(data) {
  const d = await crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
