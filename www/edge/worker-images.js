// The edge worker with image screening (docs/images.md, "Hash lists at the
// edge"): worker.js, plus the image module, imported by the first request
// that carries a picture. Deploy this entry (main = "worker-images.js" in
// wrangler.toml) where hash lists are configured; worker.js alone refers to
// no image module, so a text-only bundle never carries it.
import worker, { useImageModule } from "./worker.js";

useImageModule(() => import("./image-module.js"));

export { RedflagCounters } from "./worker.js";
export default worker;
