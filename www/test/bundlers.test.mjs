// The example apps of examples/bundlers/, built the way their users build
// them: each is copied to a scratch project, the real package tarball and
// the bundler (exact versions from the example's package.json) are
// installed from the registry, the app is built, its output is served by a
// plain static server with a strict Content-Security-Policy, and real
// headless Chromium screens two ads in it. A bundler that leaves the .wasm
// behind shows up as a 404 and no verdict.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync, statSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, extname, normalize, sep, basename } from "node:path";
import { launch, watch } from "./helpers/browser.mjs";
import { root, tarball } from "./helpers/package.mjs";

/** Each example, and the folder its build writes the page to. */
const BUNDLERS = [
  { name: "vite", serve: "dist" },
  { name: "webpack", serve: "public" },
  { name: "esbuild", serve: "public" },
  { name: "rollup", serve: "public" },
];

// Synthetic job ads: one asks the applicant for a fee and takes the passport,
// one is an ordinary vacancy.
const FEE_AD = {
  title: "Hotel staff abroad, flight paid",
  body: "No experience needed. Registration fee 250 USD before departure. Your passport will be kept by the employer.",
};
const HONEST_AD = {
  title: "Bakery hiring a morning baker",
  body: "Full-time position, paid weekly. Training provided on site. Apply with your CV at the shop.",
};

// What the demo pages send too: no inline script, no eval, only compiling wasm.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; img-src 'self' data:";
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

let browser;
let scratch;
const timings = [];

before(async () => {
  browser = await launch();
  scratch = mkdtempSync(join(tmpdir(), "redflag-bundlers-"));
});

after(async () => {
  await browser?.close();
  if (timings.length) {
    console.log("bundler   install    build   browser   output (js + wasm)");
    for (const t of timings) {
      console.log(
        `${t.name.padEnd(8)} ${`${t.install} ms`.padStart(8)} ${`${t.build} ms`.padStart(8)} ${`${t.browser} ms`.padStart(9)}   ${t.js} + ${t.wasm} KiB`,
      );
    }
  }
});

/** Serves `dir` on 127.0.0.1 like a plain static host: files only, with their MIME types. */
async function serve(dir) {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Security-Policy": CSP,
      "X-Content-Type-Options": "nosniff",
    });
    res.end(await readFile(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout}\n${e.stderr}`);
  }
}

/** Total size in KiB of the files under `dir` whose names end with `ext`. */
function kib(dir, ext) {
  let n = 0;
  for (const f of readdirSync(dir, { recursive: true })) {
    const p = join(dir, f);
    if (f.endsWith(ext) && statSync(p).isFile()) n += statSync(p).size;
  }
  return Math.round(n / 1024);
}

/** The verdict the page shows once it is not `prev` (the page screens on input). */
async function verdictAfter(page, prev) {
  await page.waitForFunction((p) => {
    const v = document.getElementById("verdict").textContent;
    return v && v !== p;
  }, prev, { timeout: 10000 });
  return page.textContent("#verdict");
}

for (const { name, serve: out } of BUNDLERS) {
  test(`${name}: the example app builds from the packed package and screens ads in Chromium`, async () => {
    const example = join(root, "examples/bundlers", name);
    const dir = join(scratch, name);
    cpSync(example, dir, {
      recursive: true,
      filter: (src) => !["node_modules", "dist", "build"].includes(basename(src)),
    });
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    // Every tool pinned: a release that changes how assets are emitted must
    // be a deliberate change of the example, not a surprise.
    for (const [dep, range] of Object.entries(pkg.devDependencies)) {
      assert.match(range, /^\d+\.\d+\.\d+$/, `${name}: ${dep} is pinned to an exact version`);
    }
    assert.ok(pkg.dependencies.redflag, `${name}: depends on redflag`);
    pkg.dependencies.redflag = `file:${tarball()}`;
    writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2));

    let t = Date.now();
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], dir);
    const install = Date.now() - t;
    t = Date.now();
    run("npm", ["run", "--silent", "build"], dir);
    const build = Date.now() - t;

    const root_ = join(dir, out);
    assert.ok(kib(root_, ".wasm") > 0, `${name}: the build emitted the .wasm under ${out}/`);
    const server = await serve(root_);
    t = Date.now();
    const page = await browser.newPage();
    const problems = watch(page);
    const wasm = [];
    page.on("response", (r) => {
      if (r.url().endsWith(".wasm")) wasm.push({ status: r.status(), type: r.headers()["content-type"] });
    });
    try {
      await page.goto(server.url);
      await page.waitForSelector("html[data-ready=true]", { timeout: 15000 });
      assert.deepEqual(wasm, [{ status: 200, type: "application/wasm" }], `${name}: the .wasm is fetched once, from the build`);

      await page.fill("[name=title]", HONEST_AD.title);
      await page.fill("[name=body]", HONEST_AD.body);
      assert.equal(await page.textContent("#verdict"), "allow", `${name}: an ordinary vacancy is allowed`);

      await page.fill("[name=title]", FEE_AD.title);
      await page.fill("[name=body]", FEE_AD.body);
      const tier = await verdictAfter(page, "allow");
      assert.ok(["review", "block"].includes(tier), `${name}: a fee and a kept passport go to review or block, got ${tier}`);
      assert.notEqual(await page.textContent("#messages"), "", `${name}: the poster sees a policy message`);

      await page.fill("[name=body]", HONEST_AD.body);
      await page.fill("[name=title]", HONEST_AD.title);
      assert.equal(await verdictAfter(page, tier), "allow", `${name}: the same engine keeps screening`);
      assert.deepEqual(problems, [], `${name}: no console errors, failed requests or CSP violations`);
    } finally {
      await page.close();
      await server.close();
    }
    timings.push({ name, install, build, browser: Date.now() - t, js: kib(root_, ".js"), wasm: kib(root_, ".wasm") });
  });
}
