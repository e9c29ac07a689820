import { defineConfig } from "vite";

export default defineConfig({
  // redflag's browser entry awaits its .wasm at the top level.
  build: { target: "es2022" },
  // The dev server's dependency pre-bundling (esbuild) would move the module
  // away from its .wasm; serve it as is.
  optimizeDeps: { exclude: ["redflag"] },
});
