// Types of `redflag/default-packs.json`: the built-in packs as authored. A
// JSON file is one value (`module.exports` in CommonJS, the default export
// of a JSON module), hence `export =`.
import type { Pack } from "redflag";

declare const packs: Pack[];
export = packs;
