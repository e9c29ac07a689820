// Bundles src/main.js into public/build/ with the .wasm beside it.
//   node build.mjs            one build
//   node build.mjs --serve    build, watch and serve public/ on http://127.0.0.1:8000
import * as esbuild from "esbuild";

const options = {
  entryPoints: ["src/main.js"],
  bundle: true,
  format: "esm", // keeps import.meta.url and top-level await
  target: "es2022",
  outdir: "public/build",
  // `import wasmPath from "redflag/redflag_bg.wasm"` copies the file into
  // outdir (with a content hash) and yields its path relative to the bundle.
  loader: { ".wasm": "file" },
  assetNames: "[name]-[hash]",
  minify: true,
  sourcemap: true,
  logLevel: "info",
};

if (process.argv.includes("--serve")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  const { port } = await ctx.serve({ servedir: "public", host: "127.0.0.1", port: 8000 });
  console.log(`http://127.0.0.1:${port}/`);
} else {
  await esbuild.build(options);
}
