// Where the worker gets the engine from. With wrangler (or any bundler that
// honours the package's `workerd` export condition) this is the npm package.
export { Engine, validatePacks, verifySignedPack, verifySignedHashList } from "redflag";
