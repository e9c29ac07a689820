// Node.js (CommonJS, `require("redflag")`, Node 18 and later): read the .wasm
// from disk and instantiate it synchronously, no top-level await needed.
// This is a separate instance from the ES module entry's: an Engine made by
// one is not usable by the other.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const load = require("./load.cjs");
const glue = require("./redflag.cjs");

load.initSync({ module: readFileSync(join(__dirname, "redflag_bg.wasm")) });

exports.Engine = glue.Engine;
exports.validatePacks = glue.validatePacks;
exports.verifySignedPack = glue.verifySignedPack;
exports.verifySignedHashList = glue.verifySignedHashList;
exports.extractEntities = glue.extractEntities;
exports.signature = glue.signature;
exports.similarity = glue.similarity;
exports.normalize = glue.normalize;
exports.version = glue.version;
exports.init = load.init;
exports.initSync = load.initSync;
exports.ready = load.ready;
