// Node 18 has Web Crypto only as `require("node:crypto").webcrypto`, not as
// the global `crypto` that the token and edge code use (Node 20 and later,
// workers and browsers have it). Installs it when it is missing.
import { webcrypto } from "node:crypto";

if (!globalThis.crypto?.subtle) globalThis.crypto = webcrypto;
