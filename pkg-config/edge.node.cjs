// `require("redflag/edge")`: the handler with Web Crypto available on Node 18 too.
"use strict";
require("./node-crypto.cjs");
module.exports = require("./edge/core.cjs");
