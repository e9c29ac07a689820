// The demo server: a classifieds "post an ad" page and the rule authors'
// playground, served with a strict Content-Security-Policy. It records every
// request it receives (tests read `requests`), and accepts posted ads at
// POST /ads without storing them anywhere.
//
//   bash .ci/build-package && node www/demo/server.mjs     # prints the URL
//
// PORT (default 8080) and REDFLAG_PKG (the assembled npm package directory,
// default ./pkg from .ci/build-package) configure it.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve, dirname, extname, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { escapeHtml } from "../shared/escape-html.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

/** Only what the pages need: own scripts, wasm compilation, own fetches. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** URL prefix → directory. */
function mounts(pkgDir) {
  return [
    ["/redflag/", pkgDir],
    ["/form/", join(root, "www/form")],
    ["/shared/", join(root, "www/shared")],
    ["/", here],
  ];
}

function inside(dir, rel) {
  const p = normalize(join(dir, rel));
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? p : null;
}

async function readBody(req, limit = 1 << 20) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error("body too large");
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/**
 * Starts the demo server. Returns `{ url, requests, close }`; `requests`
 * holds `{ method, path, headers, body }` of every request, in order.
 */
export async function startDemo({ port = 0, host = "127.0.0.1", pkgDir = process.env.REDFLAG_PKG ?? join(root, "pkg") } = {}) {
  const requests = [];
  const table = mounts(resolve(pkgDir));
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    let body = Buffer.alloc(0);
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    requests.push({ method: req.method, path: url.pathname, headers: req.headers, body: body.toString("utf8") });
    const headers = { "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };
    if (req.method === "POST" && url.pathname === "/ads") {
      const fields = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
      const flagged = fields.redflag ? JSON.parse(fields.redflag) : null;
      res.writeHead(200, { ...headers, "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ad received</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/style.css"></head>
<body><main><h1 id="received">Ad received</h1><p>${flagged ? `Queued for review (${escapeHtml(flagged.tier)}).` : "Published."}</p><p><a href="/">Post another ad</a></p></main></body></html>`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, headers).end();
      return;
    }
    let path = url.pathname;
    if (path === "/") path = "/index.html";
    if (path === "/playground") path = "/playground.html";
    for (const [prefix, dir] of table) {
      if (!path.startsWith(prefix)) continue;
      const file = inside(dir, path.slice(prefix.length));
      if (!file || !existsSync(file)) break;
      try {
        const data = await readFile(file);
        res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
        res.end(req.method === "HEAD" ? undefined : data);
      } catch {
        res.writeHead(404, headers).end();
      }
      return;
    }
    res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end("not found");
  });
  await new Promise((ok) => server.listen(port, host, ok));
  const { port: bound } = server.address();
  return {
    url: `http://${host}:${bound}`,
    requests,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const pkgDir = process.env.REDFLAG_PKG ?? join(root, "pkg");
  if (!existsSync(join(pkgDir, "redflag_bg.wasm"))) {
    console.error(`no package in ${pkgDir}: run \`bash .ci/build-package\` first (or set REDFLAG_PKG)`);
    process.exit(2);
  }
  const demo = await startDemo({ port: Number(process.env.PORT ?? 8080), pkgDir });
  console.log(`redflag demo:       ${demo.url}/`);
  console.log(`pack playground:    ${demo.url}/playground`);
}
