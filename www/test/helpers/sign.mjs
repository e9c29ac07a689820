// Signs packs in the format redflag verifies, with Node's own ed25519 (an
// independent implementation of the same envelope: see src/signing.rs).
import { generateKeyPairSync, sign } from "node:crypto";

export function keypair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x;
  return { publicKey: Buffer.from(x, "base64url").toString("base64"), privateKey };
}

export function signPack(pack, expires, privateKey) {
  const text = typeof pack === "string" ? pack : JSON.stringify(pack);
  const msg = Buffer.concat([Buffer.from("redflag-signed-pack/1"), Buffer.from([0]), Buffer.from(expires), Buffer.from([0]), Buffer.from(text)]);
  return JSON.stringify({ redflag_signed_pack: 1, expires, pack: text, signature: sign(null, msg, privateKey).toString("base64") });
}

export const sitePack = (version, score = 3) => ({
  schema: 1,
  pack: { id: "site", version },
  rule: [{ id: "site.bikes", title: "Bikes", category: "policy", score, max_tier: "warn", match: { any: ["road bike"] } }],
});
