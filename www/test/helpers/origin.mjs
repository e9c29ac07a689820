// A real origin server process for the edge tests: records every request it
// receives (method, path, headers, body hash and length, whether the verdict
// token verifies, and a JSON body parsed) and answers 200. GET /__log returns the records.
// Prints {"port": N} on stdout when listening on 127.0.0.1.
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { verifyToken } from "../../edge/token.js";

const secret = process.env.VERDICT_SECRET ?? null;
const log = [];

const server = createServer(async (req, res) => {
  if (req.url === "/__log") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(log));
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const token = req.headers["x-redflag-token"];
  const payload = secret && token ? await verifyToken(secret, token, body) : null;
  log.push({
    method: req.method,
    path: req.url,
    headers: req.headers,
    sha256: createHash("sha256").update(body).digest("hex"),
    length: body.length,
    tokenValid: Boolean(payload),
    tokenTier: payload?.v ?? null,
    token: payload,
    tokenContacts: payload?.c ?? [],
    // JSON records (reports, blocks) as received, to check their fields.
    json: /^application\/json/.test(req.headers["content-type"] ?? "") && body.length <= 1 << 20 ? safeJson(body) : undefined,
  });
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("origin ok");
});

function safeJson(body) {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
}

server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
