// www/shared/evidence.js, the evidence packets that the edge worker and the
// extension write: its HPKE steps against RFC 9180's published test vector,
// and its packets against the Rust side (`redflag evidence verify` and
// `open`, on the `hpke` and `ed25519-dalek` crates): JS seals → Rust
// opens, JS signs → Rust verifies, any changed byte → refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson, ed25519Signer, hpkeSeal, key32, makePacket, newEd25519Seed } from "../shared/evidence.js";
import { redflag } from "./helpers/cli.mjs";

const hex = (s) => Uint8Array.from(s.match(/../g), (x) => parseInt(x, 16));
const toHex = (b) => Buffer.from(b).toString("hex");

test("HPKE seal matches RFC 9180 A.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode)", async () => {
  // RFC 9180 Appendix A.1.1, the first encryption (sequence number 0).
  const v = {
    skEm: "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    pkEm: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    pkRm: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
    info: "4f6465206f6e2061204772656369616e2055726e",
    aad: "436f756e742d30",
    pt: "4265617574792069732074727574682c20747275746820626561757479",
    ct: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
  };
  const r = await hpkeSeal(hex(v.pkRm), hex(v.info), hex(v.aad), hex(v.pt), { ephemeral: hex(v.skEm) });
  assert.equal(toHex(r.enc), v.pkEm);
  assert.equal(toHex(r.ciphertext), v.ct);
  // A fresh ephemeral key each time otherwise: the same input seals differently.
  const a = await hpkeSeal(hex(v.pkRm), hex(v.info), hex(v.aad), hex(v.pt));
  const b = await hpkeSeal(hex(v.pkRm), hex(v.info), hex(v.aad), hex(v.pt));
  assert.notEqual(toHex(a.enc), toHex(b.enc));
  assert.notEqual(toHex(a.ciphertext), toHex(b.ciphertext));
});

test("canonical JSON: sorted keys (UTF-16 order), no whitespace, JSON.stringify's numbers", () => {
  assert.equal(canonicalJson({ b: 1, a: [1.5, "x", null, { d: true, c: 1e21 }], "\u{1F600}": 0, "\uFF61": 0 }), '{"a":[1.5,"x",null,{"c":1e+21,"d":true}],"b":1,"😀":0,"｡":0}');
});

const PHONE = "+1 202 555 0147";
const EMAIL = "anna.x@example.com";
const HANDLE = "annaxx";

async function fixture() {
  const dir = mkdtempSync(join(tmpdir(), "redflag-evidence-js-"));
  const legal = join(dir, "legal");
  const k = redflag(["evidence", "keygen", "--out", legal]);
  assert.equal(k.status, 0, k.stderr);
  const recipient = key32(readFileSync(join(legal, "evidence-recipient.pub"), "utf8"));
  assert.ok(recipient);
  const signer = await ed25519Signer(await newEd25519Seed());
  const fields = [
    ["title", "Hostess wanted"],
    ["body", `Young girls wanted, we hold your passport. Text ${PHONE} or ${EMAIL}, telegram @${HANDLE}`],
  ];
  const body = new TextEncoder().encode(JSON.stringify(Object.fromEntries(fields)));
  const { packet, text } = await makePacket({
    source: "extension",
    clock: "reviewer",
    time: new Date(),
    retainDays: 30,
    reference: "ref-1",
    url: "https://mod.example/queue?ad=77&phone=2025550147",
    listing: "L-77",
    verdict: { verdict: "block", score: 14.5, packs: [{ id: "core", version: "0.2.2" }], hits: [{ rule: "core.jobs.documents-held", field: "body", start: 29, end: 37, score: 5 }] },
    fields,
    contacts: ["phone:" + "ab".repeat(32)],
    rawContacts: [{ kind: "phone", value: "+12025550147" }, { kind: "email", value: EMAIL }, { kind: "handle", value: HANDLE }],
    reviewer: "r-17",
    note: `Called ${PHONE}: no answer.`,
    section: "jobs",
    body,
    contentType: "application/json",
    recipientPublic: recipient,
    signer,
  });
  const file = join(dir, "packet.json");
  writeFileSync(file, text);
  return { dir, legal, signer, packet, text, file, fields, body };
}

test("a packet made in JavaScript verifies and opens with the Rust CLI, and gives back the submission", async () => {
  const f = await fixture();
  for (const raw of [PHONE, "2025550147", EMAIL, HANDLE, "Young girls", "no answer"]) assert.ok(!f.text.includes(raw), `${raw} outside sealed`);
  assert.equal(f.packet.url, "https://mod.example/queue");
  const pub = Buffer.from(f.signer.publicKey).toString("base64");
  const v = redflag(["evidence", "verify", "--json", "--public-key", pub, f.file]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const r = JSON.parse(v.stdout);
  assert.equal(r.valid, true);
  assert.equal(r.trusted, true);
  assert.equal(r.signer, f.signer.keyId);
  const bodyFile = join(f.dir, "body.bin");
  const o = redflag(["evidence", "open", f.file, "--key", join(f.legal, "evidence-recipient.key"), "--public-key", pub, "--body", bodyFile]);
  assert.equal(o.status, 0, o.stderr);
  const sub = JSON.parse(o.stdout);
  assert.deepEqual(
    sub.fields.map((x) => [x.name, x.text]),
    f.fields,
  );
  assert.equal(sub.url, "https://mod.example/queue?ad=77&phone=2025550147");
  assert.equal(sub.note, `Called ${PHONE}: no answer.`);
  assert.deepEqual(sub.contacts.map((c) => c.value), ["+12025550147", EMAIL, HANDLE]);
  assert.deepEqual(new Uint8Array(readFileSync(bodyFile)), f.body);
});

test("a changed byte anywhere in a JavaScript-made packet is refused by the CLI", async () => {
  const f = await fixture();
  const bytes = new TextEncoder().encode(f.text);
  const files = [];
  // Every byte, changed one way (the Rust tests change each two ways).
  for (let i = 0; i < bytes.length; i++) {
    const t = bytes.slice();
    t[i] = t[i] ^ 0x01;
    const p = join(f.dir, `t${i}.json`);
    writeFileSync(p, t);
    files.push(p);
  }
  const pub = Buffer.from(f.signer.publicKey).toString("base64");
  for (let i = 0; i < files.length; i += 400) {
    const chunk = files.slice(i, i + 400);
    const v = redflag(["evidence", "verify", "--json", "--public-key", pub, ...chunk]);
    assert.equal(v.status, 1);
    const lines = v.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, chunk.length);
    for (const l of lines) assert.equal(l.valid, false, `${l.file} accepted`);
  }
  // Signed by a key that is not trusted: refused, naming the key.
  const other = await ed25519Signer(await newEd25519Seed());
  const v = redflag(["evidence", "verify", "--public-key", Buffer.from(other.publicKey).toString("base64"), f.file]);
  assert.equal(v.status, 1);
  assert.match(v.stdout, /not one of the --public-key keys/);
  rmSync(f.dir, { recursive: true, force: true });
});

test("past its retention a packet still verifies (and says so), but opens only under --legal-hold", async () => {
  const dir = mkdtempSync(join(tmpdir(), "redflag-evidence-retention-"));
  const legal = join(dir, "legal");
  assert.equal(redflag(["evidence", "keygen", "--out", legal]).status, 0);
  const signer = await ed25519Signer(await newEd25519Seed());
  const { text } = await makePacket({
    source: "edge",
    clock: "edge",
    time: new Date("2024-01-02T03:04:05.678Z"),
    retainDays: 30,
    reference: "old-1",
    url: "https://site.example/ads",
    verdict: { verdict: "block", score: 10, packs: [], hits: [] },
    fields: [["body", `Call ${PHONE}`]],
    recipientPublic: key32(readFileSync(join(legal, "evidence-recipient.pub"), "utf8")),
    signer,
  });
  assert.match(text, /"retain_until":"2024-02-01T03:04:05Z"/);
  assert.match(text, /"time":"2024-01-02T03:04:05Z"/);
  const file = join(dir, "old.json");
  writeFileSync(file, text);
  const v = redflag(["evidence", "verify", "--json", file]);
  assert.equal(v.status, 0, v.stdout);
  assert.equal(JSON.parse(v.stdout).retention_ended, true);
  assert.equal(JSON.parse(v.stdout).trusted, null, "no --public-key: the signer was not checked");
  const key = join(legal, "evidence-recipient.key");
  const refused = redflag(["evidence", "open", file, "--key", key]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /retention period ended 2024-02-01T03:04:05Z/);
  assert.equal(refused.stdout, "");
  const held = redflag(["evidence", "open", file, "--key", key, "--legal-hold"]);
  assert.equal(held.status, 0, held.stderr);
  assert.equal(JSON.parse(held.stdout).fields[0].text, `Call ${PHONE}`);
});
