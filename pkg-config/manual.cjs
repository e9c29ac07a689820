// `require("redflag/manual")`: no automatic initialisation; call
// `initSync({ module: bytes })` or `await init(input)` yourself.
"use strict";
const load = require("./load.cjs");
const glue = require("./redflag.cjs");

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
exports.default = load.init;
