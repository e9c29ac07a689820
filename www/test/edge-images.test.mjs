// Pictures at the edge (docs/images.md, "Hash lists at the edge"): the
// worker in real workerd (Miniflare) on 127.0.0.1 in front of a real origin
// process, with hash lists built by the real CLI (`redflag hashlist build`)
// and signed like packs. Pictures are made up here (patterns) and encoded
// as PNG and JPEG.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./helpers/package.mjs";
import { startOrigin, startWorker } from "./helpers/edge.mjs";
import { redflag } from "./helpers/cli.mjs";
import { keypair, signPack } from "./helpers/sign.mjs";
import { half, jpeg, png, pngBomb, scene } from "./helpers/pictures.mjs";

const SECRET = "edge-images-verdict-secret-0123456789";
const tmp = mkdtempSync(join(tmpdir(), "redflag-edge-images-"));
const sha = (b) => createHash("sha256").update(b).digest("hex");

let origin, images, keys, blockList, reviewList, blocking, reviewing, lazy;
const workers = [];

// The pictures: one listed (and its resized, re-encoded copy), one not.
const listedScene = scene(2);
const listed = png(listedScene);
const listedCopy = jpeg(half(listedScene), 70);
const unlisted = jpeg(scene(5), 80);
const reviewScene = scene(3);
const reviewed = png(reviewScene);

/** Builds a hash-list pack with the CLI from picture files, and signs it with Node's ed25519. */
function hashList({ id, version, policy, reason, pictures, privateKey, expires = "2099-01-01T00:00:00Z" }) {
  const files = pictures.map(([name, data]) => {
    const p = join(tmp, name);
    writeFileSync(p, data);
    return p;
  });
  const out = join(tmp, `${id}-${version}.json`);
  const r = redflag(["hashlist", "build", "--id", id, "--version", version, "--policy", policy, "--reason", reason, ...files, "-o", out]);
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(out, "utf8");
  return { text, signed: signPack(text, expires, privateKey) };
}

async function start(bindings, opts = {}) {
  const w = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, ...bindings }, { images: true, ...opts });
  workers.push(w);
  return w;
}

before(async () => {
  origin = await startOrigin({ VERDICT_SECRET: SECRET });
  // The image module in Node: an independent reading of what the worker should forward.
  images = await import(pathToFileURL(join(root, "pkg/images/redflag_images.js")).href);
  images.initSync({ module: readFileSync(join(root, "pkg/images/redflag_images_bg.wasm")) });
  keys = keypair();
  blockList = hashList({ id: "known-pictures", version: "1.2.0", policy: "block", reason: "Pictures from ads confirmed as exploitation (case 12)", pictures: [["listed.png", listed]], privateKey: keys.privateKey });
  reviewList = hashList({ id: "watch-pictures", version: "1.0.0", policy: "review", reason: "Pictures seen in ads under investigation (case 31)", pictures: [["watched.png", reviewed]], privateKey: keys.privateKey });
  const lists = JSON.stringify([JSON.parse(blockList.signed), JSON.parse(reviewList.signed)]);
  const common = { PACK_PUBLIC_KEYS: keys.publicKey, HASH_LISTS: lists };
  blocking = await start({ ...common, IMAGE_MAX_PIXELS: "1000000", IMAGE_MAX_PARTS: "3", BLOCKS_URL: `${origin.url}/moderation/blocks` });
  reviewing = await start({ ...common, IMAGE_UNSCREENED: "pass" });
  lazy = await start(common);
});

after(async () => {
  for (const w of workers) await w.stop();
  await origin?.stop();
});

let seq = 0;
const newId = () => `img${process.pid}-${++seq}`;
const received = async (id) => (await origin.log()).filter((r) => r.headers["x-test-id"] === id);

/** A multipart ad with text fields and picture parts [[name, filename, type, bytes]]. */
function multipart(fields, files) {
  const b = `----redflagimg${randomBytes(6).toString("hex")}`;
  const parts = Object.entries(fields).map(([k, v]) => Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const [name, filename, type, data] of files) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`), Buffer.from(data), Buffer.from("\r\n"));
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { type: `multipart/form-data; boundary=${b}`, body: Buffer.concat(parts) };
}

const honest = { section: "for-sale", title: "Road bike", body: "Aluminium frame, new tyres, collection only." };
const photo = (data, name = "photo.jpg", type = "image/jpeg") => multipart(honest, [["photo", name, type, data]]);

async function post(worker, { type, body }, { path = "/ads", method = "POST", accept = "application/json" } = {}) {
  const id = newId();
  const res = await fetch(`${worker.url}${path}`, { method, body, headers: { "content-type": type, "x-test-id": id, accept } });
  return { id, res, text: await res.text() };
}

/** Waits (a bounded number of turns, no timing asserted) until cond() holds. */
async function eventually(cond, turns = 200) {
  for (let i = 0; i < turns && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
}

const imagesOf = (o) => JSON.parse(o.headers["x-redflag-images"]);

test("a listed picture is blocked, and so is its resized, re-encoded copy, in every shape the worker reads", async () => {
  // The copy really is another file, near in PDQ distance.
  const a = images.hashImage(listed);
  const b = images.hashImage(listedCopy);
  assert.notEqual(sha(listed), sha(listedCopy));
  assert.ok(images.distance(a.pdq, b.pdq) <= 31 && images.distance(a.pdq, b.pdq) > 0, `distance ${images.distance(a.pdq, b.pdq)}`);
  const b64 = (d, t) => `data:${t};base64,${d.toString("base64")}`;
  const cases = {
    "multipart PNG": photo(listed, "bike.png", "image/png"),
    "multipart JPEG copy, half the size": photo(listedCopy),
    // The declared type is the client's: the bytes decide.
    "copy declared as text": photo(listedCopy, "notes.txt", "application/octet-stream"),
    "data: URL in JSON": { type: "application/json", body: Buffer.from(JSON.stringify({ ...honest, photos: [{ src: b64(listedCopy, "image/jpeg") }] })) },
    "data: URL in a form": { type: "application/x-www-form-urlencoded", body: Buffer.from(new URLSearchParams({ ...honest, photo: b64(listed, "image/png") }).toString()) },
  };
  for (const [name, enc] of Object.entries(cases)) {
    const r = await post(blocking, enc);
    assert.equal(r.res.status, 422, `${name}: ${r.text}`);
    assert.equal((await received(r.id)).length, 0, `${name}: the origin never sees it`);
    const j = JSON.parse(r.text);
    // The poster is told in general terms: no list, label, hash or distance.
    assert.deepEqual(j.messages, ["A picture in this submission cannot be posted on this site."], name);
    assert.ok(!/known-pictures|case 12|listed\.png|[0-9a-f]{64}/.test(r.text), `${name}: ${r.text}`);
  }
  // A picture PUT as the body itself.
  const put = await post(blocking, { type: "image/png", body: listed }, { path: "/upload/photo", method: "PUT" });
  assert.equal(put.res.status, 422, put.text);
  // The reviewer-facing log says which list, why, and how near.
  await eventually(() => blocking.output.filter((l) => l.includes('"redflag.blocked"')).length >= 6);
  const blocked = blocking.output.filter((l) => l.includes('"redflag.blocked"')).map((l) => JSON.parse(l.slice(l.indexOf("{"))));
  assert.equal(blocked.length, 6);
  for (const b of blocked) {
    const m = b.images[0].matches[0];
    assert.equal(m.list, "known-pictures");
    assert.equal(m.version, "1.2.0");
    assert.equal(m.reason, "Pictures from ads confirmed as exploitation (case 12)");
    assert.equal(m.label, "listed.png");
    assert.ok(m.distance <= 31);
    assert.ok(b.notes.includes("image-match"));
  }
  // The site's block record (BLOCKS_URL) carries the same, never the picture.
  await eventually(async () => (await origin.log()).filter((r) => r.path === "/moderation/blocks").length >= 6);
  const records = (await origin.log()).filter((r) => r.path === "/moderation/blocks").map((r) => r.json);
  assert.equal(records.length, 6);
  for (const rec of records) {
    assert.equal(rec.images.find((i) => i.matches).matches[0].reason, "Pictures from ads confirmed as exploitation (case 12)");
    assert.ok(JSON.stringify(rec).length < 2000, "hashes and matches only");
  }
});

test("an unlisted picture passes byte-identical, its hash and quality reach the origin under the token", async () => {
  const enc = multipart(honest, [["photo", "bike.jpg", "image/jpeg", unlisted], ["more", "bike2.png", "image/png", png(scene(6))]]);
  const r = await post(blocking, enc);
  assert.equal(r.res.status, 200, r.text);
  const [o] = await received(r.id);
  assert.equal(o.sha256, sha(enc.body), "byte-identical body");
  assert.equal(o.length, enc.body.length);
  assert.equal(o.headers["x-redflag-verdict"], "allow");
  const want = [images.hashImage(unlisted), images.hashImage(png(scene(6)))];
  const got = imagesOf(o);
  assert.deepEqual(got.map((x) => [x.part, x.format, x.pdq, x.quality, x.width, x.height]), [
    ["photo", "jpeg", want[0].pdq, want[0].quality, 320, 240],
    ["more", "png", want[1].pdq, want[1].quality, 320, 240],
  ]);
  assert.ok(got.every((x) => !x.matches && !x.unscreened));
  // The same hashes, signed: the origin can trust them.
  assert.ok(o.tokenValid);
  assert.deepEqual(o.token.i, want.map((h) => `${h.pdq}:${h.quality}`));
  assert.equal(o.token.m, undefined);
  // Never the picture itself in a header.
  assert.ok(JSON.stringify(o.headers).length < 4000);
});

test("a review list sends the submission to review with the list's reason for the reviewer", async () => {
  const r = await post(reviewing, photo(jpeg(reviewScene, 85)));
  assert.equal(r.res.status, 200, r.text);
  const [o] = await received(r.id);
  assert.equal(o.headers["x-redflag-verdict"], "review");
  assert.ok(o.headers["x-redflag-notes"].split(",").includes("image-match"));
  const [img] = imagesOf(o);
  assert.deepEqual(Object.keys(img.matches[0]).sort(), ["distance", "label", "list", "policy", "reason", "version"]);
  assert.equal(img.matches[0].reason, "Pictures seen in ads under investigation (case 31)");
  assert.equal(img.matches[0].policy, "review");
  assert.equal(o.token.v, "review");
  assert.deepEqual(o.token.m, [`watch-pictures@1.0.0:${img.matches[0].distance}`]);
  // The stronger verdict wins: text that blocks still blocks.
  const both = await post(reviewing, multipart({ section: "adult", title: "New", body: "Sweet new girl, age: 16, discreet." }, [["photo", "p.png", "image/png", reviewed]]));
  assert.equal(both.res.status, 422);
  // And a block list beats a review list.
  const worst = await post(reviewing, multipart(honest, [["a", "a.png", "image/png", reviewed], ["b", "b.png", "image/png", listed]]));
  assert.equal(worst.res.status, 422);
});

test("pictures that cannot be hashed: review by default, or passed with a header saying so; never a crash", async () => {
  const cut = listedCopy.subarray(0, Math.floor(listedCopy.length * 0.6));
  const big = png(scene(4, 1200, 1000)); // 1.2 MP, over IMAGE_MAX_PIXELS 1000000 of `blocking`
  const gif = Buffer.concat([Buffer.from("GIF89a"), Buffer.from([5, 0, 5, 0, 0x80, 0, 0]), randomBytes(40)]);
  const cases = [
    ["truncated JPEG", photo(cut), "malformed"],
    ["bomb: a header announcing 100000×100000", photo(pngBomb(100000, 100000), "x.png", "image/png"), "too_large"],
    ["over IMAGE_MAX_PIXELS", photo(big, "big.png", "image/png"), "too_large"],
    ["a GIF", photo(gif, "a.gif", "image/gif"), "unsupported_format"],
  ];
  for (const [name, enc, kind] of cases) {
    const r = await post(blocking, enc);
    assert.equal(r.res.status, 200, `${name}: ${r.text}`);
    const [o] = await received(r.id);
    assert.equal(o.sha256, sha(enc.body), name);
    assert.equal(o.headers["x-redflag-verdict"], "review", name);
    assert.ok(o.headers["x-redflag-notes"].split(",").includes("image-unscreened"), name);
    assert.equal(o.headers["x-redflag-images-unscreened"], "1", name);
    const [img] = imagesOf(o);
    assert.equal(img.unscreened, kind, `${name}: ${JSON.stringify(img)}`);
    assert.equal(img.pdq, undefined);
    assert.equal(o.token.u, 1);
  }
  // IMAGE_MAX_PARTS 3: the fourth picture is not hashed, even when it is the listed one.
  const many = multipart(honest, [0, 1, 2].map((k) => [`p${k}`, `${k}.jpg`, "image/jpeg", jpeg(scene(6 + k), 80)]).concat([["p3", "3.png", "image/png", listed]]));
  const r = await post(blocking, many);
  const [o] = await received(r.id);
  assert.equal(o.headers["x-redflag-verdict"], "review");
  assert.deepEqual(imagesOf(o).map((x) => x.unscreened ?? "hashed"), ["hashed", "hashed", "hashed", "max_parts"]);
  // IMAGE_UNSCREENED=pass: forwarded as the text says, the header tells the origin.
  const passed = await post(reviewing, photo(cut));
  const [p] = await received(passed.id);
  assert.equal(p.headers["x-redflag-verdict"], "allow");
  assert.equal(p.headers["x-redflag-images-unscreened"], "1");
  assert.equal(imagesOf(p)[0].unscreened, "malformed");
  // The module keeps working after all of that.
  const again = await post(blocking, photo(listedCopy));
  assert.equal(again.res.status, 422);
});

test("text-only requests never load the image module; the first picture does, once", async () => {
  for (const kind of ["form", "json", "multipart"]) {
    const enc =
      kind === "form"
        ? { type: "application/x-www-form-urlencoded", body: Buffer.from(new URLSearchParams(honest).toString()) }
        : kind === "json"
          ? { type: "application/json", body: Buffer.from(JSON.stringify(honest)) }
          : multipart(honest, [["doc", "ad.txt", "text/plain", "Road bike, call me."], ["blob", "x.bin", "application/octet-stream", randomBytes(3000)]]);
    const r = await post(lazy, enc);
    assert.equal(r.res.status, 200);
    const [o] = await received(r.id);
    assert.equal(o.headers["x-redflag-images"], undefined, kind);
  }
  // The lists were verified at start (by the text module), without the image module.
  await eventually(() => lazy.output.some((l) => l.includes('"redflag.hashlists-loaded"')));
  assert.ok(lazy.output.some((l) => l.includes('"redflag.hashlists-loaded"')));
  assert.ok(!lazy.output.some((l) => l.includes('"redflag.images-module"')), lazy.output.join("\n"));
  for (let k = 0; k < 2; k++) assert.equal((await post(lazy, photo(unlisted))).res.status, 200);
  await eventually(() => lazy.output.some((l) => l.includes('"redflag.images-module"')));
  assert.equal(lazy.output.filter((l) => l.includes('"redflag.images-module"')).length, 1);
});

test("hash lists are refused at start like packs: unsigned, tampered, expired, untrusted, downgraded; and need PACK_PUBLIC_KEYS", async () => {
  const other = keypair();
  const tampered = JSON.parse(blockList.signed);
  tampered.pack = tampered.pack.replace('"block"', '"review"');
  const cases = [
    ["unsigned", blockList.text, {}, /not signed/],
    ["tampered", JSON.stringify(tampered), {}, /does not match/],
    ["expired", hashList({ id: "known-pictures", version: "1.2.0", policy: "block", reason: "r", pictures: [["e.png", listed]], privateKey: keys.privateKey, expires: "2020-01-01T00:00:00Z" }).signed, {}, /expired/],
    ["another key", hashList({ id: "known-pictures", version: "1.2.0", policy: "block", reason: "r", pictures: [["o.png", listed]], privateKey: other.privateKey }).signed, {}, /does not match/],
    ["below MIN_PACK_VERSIONS", blockList.signed, { MIN_PACK_VERSIONS: '{"known-pictures":"2.0.0"}' }, /downgrade refused/],
    ["a rule pack given as a hash list", signPack({ schema: 1, pack: { id: "site", version: "1.0.0" } }, "2099-01-01T00:00:00Z", keys.privateKey), {}, /redflag_hash_list/],
  ];
  for (const [name, lists, extra, refusal] of cases) {
    const w = await start({ PACK_PUBLIC_KEYS: keys.publicKey, HASH_LISTS: lists, ...extra });
    const r = await post(w, photo(listed, "p.png", "image/png"));
    // Refused: no list in force, the picture is hashed and passes.
    assert.equal(r.res.status, 200, `${name}: ${r.text}`);
    const [o] = await received(r.id);
    assert.equal(o.headers["x-redflag-verdict"], "allow", name);
    assert.ok(imagesOf(o)[0].pdq, name);
    await eventually(() => w.output.some((l) => l.includes("redflag.hashlists-refused")));
    const line = w.output.find((l) => l.includes("redflag.hashlists-refused"));
    assert.ok(line && refusal.test(line), `${name}: ${w.output.join("\n")}`);
    assert.ok(!w.output.some((l) => l.includes('"redflag.hashlists-loaded"')), name);
  }
  // Without keys, a list is a configuration error naming the setting; so is
  // a list given to the text-only entry (worker.js), which has no image module.
  for (const [bindings, opts, error] of [
    [{ HASH_LISTS: blockList.signed }, {}, /configuration error: HASH_LISTS: needs PACK_PUBLIC_KEYS/],
    [{ HASH_LISTS: blockList.signed, PACK_PUBLIC_KEYS: keys.publicKey }, { images: false }, /configuration error: IMAGES: image screening needs the image module: deploy worker-images.js/],
  ]) {
    const w = await start(bindings, opts);
    const r = await post(w, photo(listed, "p.png", "image/png"));
    assert.equal(r.res.status, 500);
    assert.match(r.text, error);
    assert.equal((await received(r.id)).length, 0);
  }
});

test("hash lists in KV: a newer list is taken, a replayed older one refused and the last good kept", async () => {
  const v2 = hashList({ id: "known-pictures", version: "2.0.0", policy: "review", reason: "Version 2, review only", pictures: [["l.png", listed]], privateKey: keys.privateKey });
  const w = await start({ PACK_PUBLIC_KEYS: keys.publicKey, PACKS_REFRESH_SECONDS: "1" }, { kv: { HASH_LISTS_KV: { "hash-lists": blockList.signed } } });
  const status = async () => (await post(w, photo(listed, "p.png", "image/png"))).res.status;
  assert.equal(await status(), 422);
  const kv = await w.mf.getKVNamespace("HASH_LISTS_KV");
  await kv.put("hash-lists", v2.signed);
  await eventually(async () => (await status()) === 200, 400);
  assert.equal(await status(), 200, "version 2 (review) is in force");
  await kv.put("hash-lists", blockList.signed); // 1.2.0 again: a downgrade
  // Requests until the worker has re-read KV (it refreshes on requests, every second).
  const refused = () => w.output.some((l) => l.includes("redflag.hashlists-refused") && l.includes("downgrade refused"));
  await eventually(async () => {
    await status();
    return refused();
  }, 400);
  assert.ok(refused(), w.output.join("\n"));
  assert.equal(await status(), 200, "the last good list is kept");
});

test("no image worker logged an uncaught exception or an unhandled rejection", async () => {
  for (const w of workers) {
    const bad = w.output.filter((l) => /uncaught|unhandled|internal-error/i.test(l));
    assert.deepEqual(bad, []);
  }
});
