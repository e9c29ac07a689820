import { nodeResolve } from "@rollup/plugin-node-resolve";
import { importMetaAssets } from "@web/rollup-plugin-import-meta-assets";

export default {
  input: "src/main.js",
  output: {
    dir: "public/build",
    // ES modules keep import.meta.url and top-level await.
    format: "es",
    sourcemap: true,
  },
  plugins: [
    nodeResolve({ browser: true }),
    // Rollup keeps `new URL("./redflag_bg.wasm", import.meta.url)` as it is
    // but does not copy the file; this plugin emits it next to the bundle
    // (with a content hash) and rewrites the URL.
    importMetaAssets(),
  ],
};
