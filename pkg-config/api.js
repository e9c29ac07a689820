// The engine's API as every entry exports it (the glue's own `start` and
// `default` stay internal).
export { Engine, validatePacks, verifySignedPack, verifySignedHashList, extractEntities, signature, similarity, normalize, version } from "./redflag.js";
export { init, initSync, ready } from "./load.js";
