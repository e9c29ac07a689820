// The origin's side of the redflag edge worker, as docs/edge-guide.md
// describes it: a minimal Node server for POST /ads that trusts only what
// the worker signed.
//
//   VERDICT_SECRET=... PORT=8788 node origin.mjs
//
// - No valid X-Redflag-Token: 403. The submission did not come through the
//   worker (or the token was forged, replayed on another body, or is older
//   than five minutes). Never publish it.
// - The token's tier (`v`), not the X-Redflag-Verdict header, decides:
//   "allow" and "warn" are published; "review" is held for a moderator;
//   "error" (the worker could not screen, FAILURE_POLICY fail-open) is held
//   for a moderator too, never published unseen; "block" never arrives (the
//   worker answers 422 itself) and is refused if it does.
// - The reference id (`ref`) goes with the record, so a poster's appeal or a
//   moderator's decision can be matched to the worker's logs.
//
// Prints {"port": N} on stdout when listening on 127.0.0.1.
import { createServer } from "node:http";
import { verifyToken } from "redflag/token";

const secret = process.env.VERDICT_SECRET;
if (!secret) {
  console.error("origin.mjs: set VERDICT_SECRET to the worker's secret");
  process.exit(2);
}

/** What the origin did with each submission, newest last (GET /__records). */
const records = [];

const server = createServer(async (req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && req.url === "/__records") return reply(200, records);
  if (req.method !== "POST" || !req.url.startsWith("/ads")) return reply(404, { error: "not found" });
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const token = req.headers["x-redflag-token"];
  const verdict = token ? await verifyToken(secret, token, body) : null;
  if (!verdict) {
    records.push({ status: "refused", reason: "no valid token" });
    return reply(403, { error: "submissions are accepted only through the screening worker" });
  }
  const record = { reference: verdict.ref, tier: verdict.v, score: verdict.s, rules: verdict.r, bytes: body.length };
  switch (verdict.v) {
    case "allow":
    case "warn":
      records.push({ ...record, status: "published" });
      return reply(201, { status: "published", reference: verdict.ref });
    case "review":
    case "error":
      records.push({ ...record, status: "held-for-review" });
      return reply(202, { status: "held-for-review", reference: verdict.ref });
    default:
      records.push({ ...record, status: "refused" });
      return reply(422, { error: "this ad cannot be published", reference: verdict.ref });
  }
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
