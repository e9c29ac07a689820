// docs/edge-guide.md, run as written: its origin (docs/edge-guide/origin.mjs,
// copied into a project that installed the package, as the guide says) and
// its settings (docs/edge-guide/dev.vars.example) in front of the worker in
// real workerd. The guide's curl examples are the requests below.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { consumer, root } from "./helpers/package.mjs";
import { startWorker } from "./helpers/edge.mjs";
import { sha256Hex, signToken } from "../edge/token.js";

/** The variables of a .dev.vars file: KEY="value" lines, comments skipped. */
function devVars(text) {
  const vars = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

const vars = devVars(readFileSync(join(root, "docs/edge-guide/dev.vars.example"), "utf8"));
let origin;
let worker;

before(async () => {
  const dir = consumer();
  copyFileSync(join(root, "docs/edge-guide/origin.mjs"), join(dir, "origin.mjs"));
  const child = spawn(process.execPath, [join(dir, "origin.mjs")], {
    cwd: dir,
    env: { ...process.env, VERDICT_SECRET: vars.VERDICT_SECRET, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((ok, fail) => {
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`origin.mjs exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", ok);
  });
  const url = `http://127.0.0.1:${JSON.parse(line).port}`;
  origin = { url, child, records: async () => (await fetch(`${url}/__records`)).json() };
  worker = await startWorker({ ...vars, ORIGIN: url });
});

after(async () => {
  await worker?.stop();
  origin?.child.kill();
});

const post = (base, body) =>
  fetch(`${base}/ads`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("the example settings are the two the guide names, and the worker starts with them without a warning", () => {
  assert.deepEqual(Object.keys(vars).sort(), ["ORIGIN", "VERDICT_SECRET"]);
  assert.ok(vars.VERDICT_SECRET.length >= 16);
  assert.ok(!worker.output.some((l) => l.includes("redflag.config-")), worker.output.join("\n"));
});

test("an honest ad goes through the worker and the origin publishes it on the verified token", async () => {
  const res = await post(worker.url, { section: "jobs", title: "Line cook", body: "Full time, paid training, weekly pay." });
  const answer = await res.json();
  assert.equal(res.status, 201, JSON.stringify(answer));
  assert.equal(answer.status, "published");
  const last = (await origin.records()).at(-1);
  assert.equal(last.status, "published");
  assert.equal(last.tier, "allow");
  assert.equal(last.reference, answer.reference);
});

test("fee plus passport stops at the edge: 422, and the origin records nothing", async () => {
  const before = (await origin.records()).length;
  const res = await post(worker.url, { section: "jobs", title: "Work in Dubai", body: "Pay the 500 USD registration fee first. We keep your passport." });
  await res.text();
  assert.equal(res.status, 422);
  assert.equal((await origin.records()).length, before);
});

test("an ad for review is held, not published", async () => {
  const res = await post(worker.url, { section: "jobs", title: "Factory work", body: "Your passport will be kept by the employer." });
  const answer = await res.json();
  assert.equal(res.status, 202, JSON.stringify(answer));
  assert.equal((await origin.records()).at(-1).status, "held-for-review");
});

test("around the worker the origin refuses: no token, a forged one, or a token for another body", async () => {
  const body = JSON.stringify({ section: "jobs", title: "Anything" });
  const forged = await signToken("not-the-deployment-secret", { v: "allow", s: 0, r: [], p: [], h: await sha256Hex(new TextEncoder().encode(body)), t: Math.floor(Date.now() / 1000), ref: "x" });
  const other = await signToken(vars.VERDICT_SECRET, { v: "allow", s: 0, r: [], p: [], h: await sha256Hex(new TextEncoder().encode("another body")), t: Math.floor(Date.now() / 1000), ref: "y" });
  for (const token of [undefined, forged, other]) {
    const headers = { "content-type": "application/json", ...(token ? { "x-redflag-token": token } : {}) };
    const res = await fetch(`${origin.url}/ads`, { method: "POST", headers, body });
    await res.text();
    assert.equal(res.status, 403);
  }
});

test("a screening error (fail-open) reaches the origin signed with tier error, and is held for a moderator", async () => {
  // No request can make the engine fail inside workerd (see the edge table
  // in docs/operators.md), so the worker's error token is made as core.js makes it.
  const body = new TextEncoder().encode(JSON.stringify({ section: "jobs", title: "Unscreened" }));
  const token = await signToken(vars.VERDICT_SECRET, { v: "error", s: 0, r: [], p: [], h: await sha256Hex(body), t: Math.floor(Date.now() / 1000), ref: "err-1" });
  const res = await fetch(`${origin.url}/ads`, { method: "POST", headers: { "content-type": "application/json", "x-redflag-verdict": "error", "x-redflag-token": token }, body });
  const answer = await res.json();
  assert.equal(res.status, 202);
  assert.equal(answer.status, "held-for-review");
  assert.equal(answer.reference, "err-1");
});
