// `redflag/token` in Node.js: the verifier with Web Crypto available on Node 18 too.
import "./node-crypto.js";
export * from "./edge/token.js";
