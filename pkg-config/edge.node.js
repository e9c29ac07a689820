// `redflag/edge` in Node.js: the handler with Web Crypto available on Node 18 too.
import "./node-crypto.js";
export * from "./edge/core.js";
