// The image module (wasm/images, built into pkg/images/ by .ci/build-images:
// PDQ hashes of JPEG, PNG and WebP), instantiated when this file is
// imported. worker.js imports it only when a request carries a picture, so
// an isolate that screens only text never instantiates it. With wrangler,
// the .wasm import is a compiled WebAssembly.Module, as in workerd.
import wasm from "../../pkg/images/redflag_images_bg.wasm";
import { initSync, hashImage, HashList } from "../../pkg/images/redflag_images.js";

initSync({ module: wasm });

export { hashImage, HashList };
