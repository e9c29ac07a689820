import { fileURLToPath } from "node:url";

export default {
  mode: "production",
  entry: "./src/main.js",
  output: {
    path: fileURLToPath(new URL("./public/build/", import.meta.url)),
    filename: "main.js",
    // Assets (the .wasm) are fetched relative to the bundle's own URL.
    publicPath: "auto",
    clean: true,
  },
  // Nothing else to set: webpack 5 emits `new URL("./redflag_bg.wasm",
  // import.meta.url)` as an asset and allows top-level await (5.83 and later).
  // The .wasm is 1.8 MB by design (the compiled packs are inside); keep the
  // size hints for the JavaScript.
  performance: { assetFilter: (file) => !file.endsWith(".wasm") && !file.endsWith(".map") },
  devtool: "source-map",
};
