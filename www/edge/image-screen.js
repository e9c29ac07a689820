// The edge worker's image screening (docs/images.md, "Hash lists at the
// edge"): the pictures a submission carries are hashed (PDQ) with the image
// module and matched against signed hash lists. Runtime-neutral, like
// core.js, which calls it: the image module is passed in as a loader and
// loaded only when a request carries a picture, so text-only requests never
// pay for it.
//
// A picture is recognised by its first bytes, never by the type or name
// the client gives: JPEG, PNG and WebP are hashed; GIF, BMP, TIFF, AVIF,
// HEIC and JPEG XL are pictures the module cannot read, and count as
// unscreened. Where pictures are looked for: multipart file parts, a body
// that is itself a picture, and `data:image/…;base64,` values in form and
// JSON fields.

/** Defaults and ceilings of the image settings (IMAGE_*). */
export const IMAGE_DEFAULTS = Object.freeze({
  maxBytes: 8 << 20,
  maxPixels: 1 << 23,
  maxRequestBytes: 16 << 20,
  maxRequestPixels: 1 << 25,
  maxParts: 8,
  threshold: 31,
  minQuality: 50,
  unscreened: "review",
  dihedral: true,
});

/** The most parts IMAGE_MAX_PARTS may allow (the X-Redflag-Images header grows with them). */
export const MAX_PARTS_CEILING = 32;
/** The largest IMAGE_MAX_PIXELS: the image module's own ceiling, about 134 MB of memory at the peak. */
export const MAX_PIXELS_CEILING = 1 << 24;

function whole(ConfigError, env, name, dflt, min, max) {
  const v = env[name];
  if (v === undefined || v === null || v === "") return dflt;
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new ConfigError(name, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(String(v).slice(0, 40))}`);
  return Number(s);
}

/**
 * The image settings from the environment, validated (throws
 * `ConfigError`, core.js's, naming the setting). `IMAGES` is "on" or "off"; by default on when hash
 * lists are configured (HASH_LISTS, HASH_LISTS_KV), off otherwise, and
 * then no other IMAGE_* setting may be given.
 */
export function imageConfig(env, ConfigError) {
  const lists = Boolean(env.HASH_LISTS) || Boolean(env.HASH_LISTS_KV);
  const mode = env.IMAGES === undefined || env.IMAGES === "" ? (lists ? "on" : "off") : String(env.IMAGES).trim();
  if (!["on", "off"].includes(mode)) throw new ConfigError("IMAGES", "must be on or off");
  const names = ["IMAGE_MAX_BYTES", "IMAGE_MAX_PIXELS", "IMAGE_MAX_REQUEST_BYTES", "IMAGE_MAX_REQUEST_PIXELS", "IMAGE_MAX_PARTS", "IMAGE_THRESHOLD", "IMAGE_MIN_QUALITY", "IMAGE_UNSCREENED", "IMAGE_DIHEDRAL"];
  if (mode === "off") {
    for (const k of names) if (env[k] !== undefined && env[k] !== "") throw new ConfigError(k, "needs IMAGES=on (or hash lists: HASH_LISTS or HASH_LISTS_KV)");
    if (lists) throw new ConfigError("IMAGES", "is off, but hash lists are configured: they would never be used");
    return null;
  }
  const d = IMAGE_DEFAULTS;
  const c = {
    maxBytes: whole(ConfigError, env, "IMAGE_MAX_BYTES", d.maxBytes, 1024, 16 << 20),
    maxPixels: whole(ConfigError, env, "IMAGE_MAX_PIXELS", d.maxPixels, 25, MAX_PIXELS_CEILING),
    maxRequestBytes: whole(ConfigError, env, "IMAGE_MAX_REQUEST_BYTES", d.maxRequestBytes, 1024, 64 << 20),
    maxRequestPixels: whole(ConfigError, env, "IMAGE_MAX_REQUEST_PIXELS", d.maxRequestPixels, 25, 1 << 28),
    maxParts: whole(ConfigError, env, "IMAGE_MAX_PARTS", d.maxParts, 1, MAX_PARTS_CEILING),
    threshold: whole(ConfigError, env, "IMAGE_THRESHOLD", null, 0, 63),
    minQuality: whole(ConfigError, env, "IMAGE_MIN_QUALITY", d.minQuality, 0, 100),
    unscreened: String(env.IMAGE_UNSCREENED ?? d.unscreened).trim() || d.unscreened,
    dihedral: String(env.IMAGE_DIHEDRAL ?? String(d.dihedral)).trim(),
  };
  if (!["review", "pass"].includes(c.unscreened)) throw new ConfigError("IMAGE_UNSCREENED", "must be review or pass");
  if (!["true", "false"].includes(c.dihedral)) throw new ConfigError("IMAGE_DIHEDRAL", "must be true or false");
  c.dihedral = c.dihedral === "true";
  return c;
}

// ------------------------------------------------------------- sniffing

const at = (b, i, bytes) => bytes.every((x, k) => b[i + k] === x);
const ascii = (s) => [...s].map((c) => c.charCodeAt(0));

/**
 * What picture format the bytes start with: "jpeg", "png", "webp" (hashed),
 * "gif", "bmp", "tiff", "avif", "heic", "jxl" (pictures the module cannot
 * read), or null (not a picture).
 */
export function sniff(b) {
  if (!b || b.length < 12) return b && b.length >= 3 && at(b, 0, [0xff, 0xd8, 0xff]) ? "jpeg" : null;
  if (at(b, 0, [0xff, 0xd8, 0xff])) return "jpeg";
  if (at(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (at(b, 0, ascii("RIFF")) && at(b, 8, ascii("WEBP"))) return "webp";
  if (at(b, 0, ascii("GIF87a")) || at(b, 0, ascii("GIF89a"))) return "gif";
  if (at(b, 0, [0x49, 0x49, 0x2a, 0x00]) || at(b, 0, [0x4d, 0x4d, 0x00, 0x2a])) return "tiff";
  if (at(b, 0, [0xff, 0x0a]) || at(b, 0, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return "jxl";
  if (at(b, 4, ascii("ftyp"))) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    if (["avif", "avis"].includes(brand)) return "avif";
    if (["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"].includes(brand)) return "heic";
  }
  // BMP: "BM", the file size, and a known DIB header size (a text starting "BM" is not one).
  if (at(b, 0, ascii("BM")) && b.length >= 18) {
    const size = b[2] | (b[3] << 8) | (b[4] << 16) | (b[5] << 24);
    const dib = b[14] | (b[15] << 8) | (b[16] << 16) | (b[17] << 24);
    if (size === b.length && [12, 40, 52, 56, 64, 108, 124].includes(dib)) return "bmp";
  }
  return null;
}

const HASHED = ["jpeg", "png", "webp"];
const DATA_URL = /^\s*data:image\/[a-z0-9.+-]+;base64,/i;

/**
 * A picture in a field value (`data:image/…;base64,…`): { bytes } decoded,
 * or { tooLarge: n, head } when its decoded size is over `maxBytes` (only
 * its first bytes decoded, to tell the format), or null when the value is
 * not one (or its base64 does not decode: then it is text, screened as
 * text).
 */
export function dataUrlImage(value, maxBytes) {
  if (value.length < 30 || !DATA_URL.test(value.slice(0, 100))) return null;
  const b64 = value.slice(value.indexOf(",") + 1).replace(/\s+/g, "");
  const size = Math.floor((b64.length * 3) / 4);
  const decode = (s) => {
    const bin = atob(s);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  };
  try {
    if (size > maxBytes + 3) return { tooLarge: size, head: decode(b64.slice(0, 16)) };
    return { bytes: decode(b64) };
  } catch {
    return null;
  }
}

// ------------------------------------------------------------ screening

/** Error kinds the image module throws (`kind: message`); anything else is a fault of the module. */
const KINDS = ["too_many_bytes", "unsupported_format", "empty", "too_small", "too_large", "malformed"];

/**
 * Creates the image screener.
 *   load(): resolves to the image module ({ hashImage, HashList }); called
 *     once, on the first picture
 *   lists(): the verified hash lists in force ([{ id, version, policy,
 *     reason, threshold, list }], from verifySignedHashList)
 *   log(object): one structured log line
 * Returns screen(images) → { results, tier, matched, unscreened } where
 * each image is { part, format, bytes } (bytes null when over a limit
 * already, with tooLarge set).
 */
export function createImageScreener({ config, load, lists, log }) {
  let module = null;
  let loading = null;
  let broken = null;
  let compiled = { source: null, lists: [] };

  async function getModule() {
    if (module || broken) return module;
    loading ??= Promise.resolve()
      .then(load)
      .then((m) => {
        module = m;
        log({ type: "redflag.images-module", loaded: true });
        return m;
      })
      .catch((e) => {
        broken = String(e?.message ?? e);
        log({ type: "redflag.images-error", stage: "load", message: broken });
        return null;
      });
    return loading;
  }

  /** The lists as HashList objects of the module, rebuilt when the lists in force change. */
  function listsOf(m) {
    const source = lists() ?? [];
    if (compiled.source === source) return compiled.lists;
    for (const l of compiled.lists) l.list.free?.();
    const out = [];
    for (const l of source) {
      try {
        out.push({ ...l, list: new m.HashList(l.list) });
      } catch (e) {
        log({ type: "redflag.images-error", stage: "list", list: l.id, message: String(e?.message ?? e) });
      }
    }
    compiled = { source, lists: out };
    return out;
  }

  return async function screen(images) {
    const results = [];
    let bytesLeft = config.maxRequestBytes;
    let pixelsLeft = config.maxRequestPixels;
    const unscreened = (img, kind, message) => results.push({ part: img.part, format: img.format, unscreened: kind, ...(message ? { message } : {}) });
    const m = await getModule();
    const hashLists = m ? listsOf(m) : [];
    for (const [i, img] of images.entries()) {
      if (i >= config.maxParts) {
        unscreened(img, "max_parts", `more than ${config.maxParts} pictures in one request`);
        continue;
      }
      if (!HASHED.includes(img.format)) {
        unscreened(img, "unsupported_format", `${img.format} pictures cannot be hashed`);
        continue;
      }
      const size = img.tooLarge ?? img.bytes.byteLength;
      if (size > config.maxBytes) {
        unscreened(img, "too_many_bytes", `${size} bytes, over IMAGE_MAX_BYTES ${config.maxBytes}`);
        continue;
      }
      if (size > bytesLeft) {
        unscreened(img, "request_bytes", `over IMAGE_MAX_REQUEST_BYTES ${config.maxRequestBytes} with the pictures before it`);
        continue;
      }
      if (!m) {
        unscreened(img, "module_error", "the image module is not available");
        continue;
      }
      bytesLeft -= size;
      const maxPixels = Math.min(config.maxPixels, pixelsLeft);
      let h;
      try {
        h = m.hashImage(img.bytes, { maxBytes: config.maxBytes, maxPixels, dihedral: config.dihedral });
      } catch (e) {
        const msg = String(e?.message ?? e);
        const kind = msg.split(":")[0];
        if (!KINDS.includes(kind)) {
          // A trap (out of memory) leaves the module in an unknown state: no more hashing in this isolate.
          module = null;
          broken = msg;
          log({ type: "redflag.images-error", stage: "hash", message: msg });
          unscreened(img, "module_error", "the image module failed");
          continue;
        }
        // Over the request's pixel budget rather than the part's own limit.
        const overBudget = kind === "too_large" && /max_pixels/.test(msg) && maxPixels < config.maxPixels;
        unscreened(img, overBudget ? "request_pixels" : kind, overBudget ? `over IMAGE_MAX_REQUEST_PIXELS ${config.maxRequestPixels} with the pictures before it` : msg.slice(kind.length + 1).trim());
        continue;
      }
      pixelsLeft -= h.width * h.height;
      const r = { part: img.part, format: img.format, pdq: h.pdq, quality: h.quality, width: h.width, height: h.height };
      if (h.quality >= config.minQuality) {
        const variants = h.variants?.map((v) => v.pdq) ?? [h.pdq];
        const found = [];
        for (const l of hashLists) {
          const threshold = config.threshold ?? l.threshold ?? IMAGE_DEFAULTS.threshold;
          let best = null;
          for (const v of variants) {
            const hit = l.list.find(v, threshold)[0];
            if (hit && (!best || hit.distance < best.distance)) best = hit;
          }
          if (best) found.push({ list: l.id, version: l.version, policy: l.policy, reason: l.reason, label: best.label, distance: best.distance });
        }
        found.sort((a, b) => (b.policy === "block") - (a.policy === "block") || a.distance - b.distance);
        if (found.length) r.matches = found;
      } else {
        r.lowQuality = true;
      }
      results.push(r);
    }
    const matched = results.filter((r) => r.matches);
    const skipped = results.filter((r) => r.unscreened);
    let tier = "allow";
    if (matched.some((r) => r.matches.some((x) => x.policy === "block"))) tier = "block";
    else if (matched.length || (skipped.length && config.unscreened === "review")) tier = "review";
    return { results, tier, matched: matched.length, unscreened: skipped.length };
  };
}

/** Longest X-Redflag-Images value: origins commonly refuse header sections past 8–16 KB. */
export const MAX_HEADER = 8192;

/**
 * The records as a header value: JSON with every non-ASCII character
 * escaped. Past MAX_HEADER bytes, the matches' `reason` and `label` are left
 * out (the list's id and version name them; the block record and the log
 * keep them).
 */
export function imagesHeader(results) {
  const ascii = (v) => JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const full = ascii(results.map(({ message, ...r }) => r));
  if (full.length <= MAX_HEADER) return full;
  return ascii(results.map(({ message, ...r }) => (r.matches ? { ...r, matches: r.matches.map(({ reason, label, ...m }) => m) } : r)));
}
