// Starts the pieces of the edge tests: the origin process and the worker in
// real workerd (through Miniflare), with the real packed npm package.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { consumer, root } from "./package.mjs";

/** Starts the origin process; resolves to { url, log(), stop() }. */
export async function startOrigin(env = {}) {
  const child = spawn(process.execPath, [join(root, "www/test/helpers/origin.mjs")], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((ok, fail) => {
    child.once("error", fail);
    createInterface({ input: child.stdout }).once("line", ok);
  });
  const { port } = JSON.parse(line);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    log: async () => (await fetch(`${url}/__log`)).json(),
    stop: () => new Promise((ok) => {
      child.once("exit", ok);
      child.kill();
    }),
  };
}

/** The worker's files in a scratch project, importing the installed package. */
export function workerDir() {
  const dir = consumer();
  const edge = join(dir, "edge");
  mkdirSync(edge, { recursive: true });
  for (const f of ["core.js", "token.js", "worker.js", "worker-images.js", "report.js", "image-screen.js"]) copyFileSync(join(root, "www/edge", f), join(edge, f));
  // The image module (pkg/images/, from .ci/build-images), beside the worker
  // as a bundler would place it, and the file that instantiates it.
  const images = join(dir, "images");
  mkdirSync(images, { recursive: true });
  for (const f of ["redflag_images.js", "redflag_images_bg.wasm"]) {
    if (!existsSync(join(root, "pkg/images", f))) throw new Error(`pkg/images/${f} is missing: run bash .ci/build-images`);
    copyFileSync(join(root, "pkg/images", f), join(images, f));
  }
  writeFileSync(join(edge, "image-module.js"), readFileSync(join(root, "www/edge/image-module.js"), "utf8").replaceAll("../../pkg/images/", "../images/"));
  // What they import as ../shared/ (the pack loader, sha256Hex, escapeHtml).
  mkdirSync(join(dir, "shared"), { recursive: true });
  for (const f of readdirSync(join(root, "www/shared"))) copyFileSync(join(root, "www/shared", f), join(dir, "shared", f));
  // What a bundler does with `from "redflag"` under the workerd condition.
  writeFileSync(join(edge, "engine.js"), 'export { Engine, validatePacks, verifySignedPack, verifySignedHashList } from "../node_modules/redflag/workerd.js";\n');
  return dir;
}

/**
 * Starts the worker in workerd on 127.0.0.1. Resolves to
 * { url, mf, output: string[] (workerd stdout lines), stop() }.
 * `counters`: bind the counters Durable Object as COUNTERS; `persist`: the
 * directory its storage lives in (survives stop()); `images`: run the entry
 * with the image module (worker-images.js) rather than worker.js.
 */
export async function startWorker(bindings, { kv = {}, counters = false, persist = undefined, images = false } = {}) {
  const { Miniflare } = await import(join(root, "www/node_modules/miniflare/dist/src/index.js"));
  const dir = workerDir();
  const output = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, images ? "edge/worker-images.js" : "edge/worker.js"),
    modulesRoot: dir,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    bindings,
    kvNamespaces: Object.keys(kv),
    // The transparency counters' Durable Object; `persist` (a directory)
    // keeps its storage across workerd restarts.
    ...(counters ? { durableObjects: { COUNTERS: "RedflagCounters" }, durableObjectsPersist: persist ?? false } : {}),
    handleRuntimeStdio(stdout, stderr) {
      createInterface({ input: stdout }).on("line", (l) => output.push(l));
      createInterface({ input: stderr }).on("line", (l) => output.push(l));
    },
  });
  for (const [ns, entries] of Object.entries(kv)) {
    const store = await mf.getKVNamespace(ns);
    for (const [k, v] of Object.entries(entries)) await store.put(k, v);
  }
  const url = (await mf.ready).href.replace(/\/$/, "");
  return { url, mf, output, stop: () => mf.dispose() };
}
