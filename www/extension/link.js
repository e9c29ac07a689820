// Linking ads in the reviewer extension (docs/linking.md, "In the reviewer
// extension"): plain functions, no DOM and no chrome.* calls, shared by the
// content script (grouping the ads of a page), the service worker (the
// cluster file's index) and the options page (reading a cluster file).
//
// A classic script, not a module: content scripts cannot be modules. It
// sets `globalThis.redflagLink`; the service worker and the options page
// load it with `import "./link.js"`, the tests with `import()` in Node.
(() => {
  /** The limits of linking, each documented in docs/linking.md. */
  const LIMITS = {
    /** Bytes of a cluster file (20 MiB). */
    fileBytes: 20 * 1024 * 1024,
    /** Clusters in a cluster file. */
    clusters: 100_000,
    /** Ads of one page that are linked (the first ones found, in page order). */
    pageAds: 5_000,
    /** Ads of a band bucket compared pair by pair; a larger bucket is compared as a chain (as `redflag link` does). */
    fullBucket: 64,
    /** Milliseconds of grouping between two yields to the page's event loop. */
    slice: 8,
  };

  /** Contact kinds that link ads on a page: not URLs, which honest ads share (job boards, shops), as `redflag link` without `--link-urls`. */
  const PAGE_KINDS = ["phone", "email", "handle"];

  const TIERS = ["allow", "warn", "review", "block"];

  /**
   * The estimated Jaccard similarity of two ads from their signatures: the
   * share of MinHash values they agree on, 0 when either has no words or
   * the versions differ. The engine's `similarity` (wasm), in JavaScript,
   * because the content script cannot run the .wasm (a page's CSP).
   */
  function similarity(a, b) {
    if (!a || !b || a.version !== b.version || !a.shingles || !b.shingles) return 0;
    const x = a.minhash;
    const y = b.minhash;
    if (!x || !y || x.length !== y.length || !x.length) return 0;
    let same = 0;
    for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
    return same / x.length;
  }

  /** Union-find over 0..n-1 (path halving, union by size). */
  function sets(n) {
    const parent = new Int32Array(n);
    const size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) parent[i] = i;
    const find = (i) => {
      while (parent[i] !== i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
      }
      return i;
    };
    const union = (a, b) => {
      let ra = find(a);
      let rb = find(b);
      if (ra === rb) return;
      if (size[ra] < size[rb]) [ra, rb] = [rb, ra];
      parent[rb] = ra;
      size[ra] += size[rb];
    };
    /** Each index's component, as one shared array of its members (in index order). */
    const components = () => {
      const byRoot = new Map();
      const of = new Array(n);
      for (let i = 0; i < n; i++) {
        const r = find(i);
        let c = byRoot.get(r);
        if (!c) byRoot.set(r, (c = []));
        c.push(i);
        of[i] = c;
      }
      return of;
    };
    return { find, union, components };
  }

  /**
   * Groups the ads of a page as `redflag link` does: two ads are one
   * template when they share an LSH band key and their similarity is at
   * least `threshold`; ads sharing a keyed contact hash (phone, e-mail,
   * handle) are linked; both kinds of link make one graph, whose connected
   * components are clusters.
   *
   * `sigs[i]` is the signature of ad i ({ version, minhash, shingles,
   * bands, contacts }, or null for an ad without one). Work is cut into
   * slices of `LIMITS.slice` ms; between two, `pause()` is awaited (the
   * content script yields to the page there).
   *
   * Returns, per ad: `template[i]` and `cluster[i]`, the members of its
   * template group and its cluster (shared arrays, ad i included), and
   * `contacts`, a Map from contact hash to { kind, ads }.
   */
  async function group(sigs, { threshold = 0.5, kinds = PAGE_KINDS, pause = null, slice = LIMITS.slice, fullBucket = LIMITS.fullBucket } = {}) {
    const n = sigs.length;
    const tpl = sets(n);
    const all = sets(n);
    const now = () => (typeof performance === "object" ? performance.now() : Date.now());
    let deadline = now() + slice;
    const check = (a, b) => {
      if (tpl.find(a) === tpl.find(b)) return;
      if (similarity(sigs[a], sigs[b]) >= threshold) {
        tpl.union(a, b);
        all.union(a, b);
      }
    };
    const bands = sigs.reduce((m, s) => Math.max(m, s?.bands?.length ?? 0), 0);
    for (let b = 0; b < bands; b++) {
      const buckets = new Map();
      for (let i = 0; i < n; i++) {
        const k = sigs[i]?.bands?.[b];
        if (k === undefined) continue;
        const list = buckets.get(k);
        if (list) list.push(i);
        else buckets.set(k, [i]);
      }
      for (const list of buckets.values()) {
        if (list.length < 2) continue;
        if (list.length <= fullBucket) {
          for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) check(list[x], list[y]);
        } else {
          for (let x = 1; x < list.length; x++) {
            check(list[0], list[x]);
            check(list[x - 1], list[x]);
          }
        }
        if (pause && now() > deadline) {
          await pause();
          deadline = now() + slice;
        }
      }
    }
    const contacts = new Map();
    for (let i = 0; i < n; i++) {
      for (const c of sigs[i]?.contacts ?? []) {
        if (!kinds.includes(c.kind)) continue;
        const e = contacts.get(c.hash);
        if (!e) contacts.set(c.hash, { kind: c.kind, ads: [i] });
        else if (e.ads[e.ads.length - 1] !== i) e.ads.push(i);
      }
    }
    for (const { ads } of contacts.values()) for (let j = 1; j < ads.length; j++) all.union(ads[0], ads[j]);
    return { template: tpl.components(), cluster: all.components(), contacts };
  }

  /**
   * What links ad i to the others of its page, from `group`'s result:
   * { template: [other ads], contacts: [{ kind, ads: [other ads] }] (one
   * entry per kind, the ads sharing any of its contacts of that kind),
   * cluster: [other ads] }. Indices, never values.
   */
  function linksOf(i, grouped, sig) {
    const others = (list) => list.filter((j) => j !== i);
    const byKind = new Map();
    for (const c of sig?.contacts ?? []) {
      const e = grouped.contacts.get(c.hash);
      if (!e || e.ads.length < 2) continue;
      const set = byKind.get(e.kind) ?? new Set();
      for (const j of e.ads) if (j !== i) set.add(j);
      byKind.set(e.kind, set);
    }
    return {
      template: others(grouped.template[i]),
      contacts: [...byKind].map(([kind, set]) => ({ kind, ads: [...set].sort((a, b) => a - b) })),
      cluster: others(grouped.cluster[i]),
    };
  }

  // ----- Cluster files (`redflag link` output, JSON Lines) -----

  const HEX64 = /^[0-9a-f]{64}$/;
  const isCount = (x) => Number.isInteger(x) && x >= 0;
  const isTier = (x) => TIERS.includes(x);

  /** UTF-8 length of a string, without building the bytes. */
  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  /** One cluster line, checked, in the form the extension stores (no member `mark` or `line`). Throws a message. */
  function readCluster(v) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not a JSON object");
    if (!Number.isInteger(v.cluster) || v.cluster < 1) throw new Error("no `cluster` number (a `redflag link` cluster line starts {\"cluster\": 1, …}; was this file written by `redflag link`?)");
    if (!Number.isInteger(v.size) || v.size < 1) throw new Error("`size` is not a whole number of ads");
    if (v.verdict !== null && v.verdict !== undefined && !isTier(v.verdict)) throw new Error(`\`verdict\` ${JSON.stringify(v.verdict)} is not allow, warn, review, block or null`);
    const tiers = {};
    if (v.tiers !== undefined) {
      if (v.tiers === null || typeof v.tiers !== "object" || Array.isArray(v.tiers)) throw new Error("`tiers` is not an object");
      for (const [k, x] of Object.entries(v.tiers)) {
        if (!isCount(x)) throw new Error(`\`tiers.${k}\` is not a whole number`);
        tiers[k] = x;
      }
    }
    if (!Array.isArray(v.members) || !v.members.length) throw new Error("`members` is not a non-empty array");
    const members = v.members.map((m, j) => {
      if (m === null || typeof m !== "object" || Array.isArray(m)) throw new Error(`members[${j}] is not an object`);
      const id = m.id;
      if (id !== undefined && id !== null && typeof id !== "string" && typeof id !== "number") throw new Error(`members[${j}].id is neither a string nor a number`);
      if (m.verdict !== undefined && m.verdict !== null && !isTier(m.verdict)) throw new Error(`members[${j}].verdict ${JSON.stringify(m.verdict)} is not a tier`);
      if (m.template !== undefined && !isCount(m.template)) throw new Error(`members[${j}].template is not an index`);
      return { id: id === undefined || id === null ? null : String(id).trim(), verdict: m.verdict ?? null, template: m.template ?? null };
    });
    if (!Array.isArray(v.templates ?? [])) throw new Error("`templates` is not an array");
    if (!Array.isArray(v.contacts ?? [])) throw new Error("`contacts` is not an array");
    const templates = (v.templates ?? []).map((t, j) => {
      if (t === null || typeof t !== "object" || typeof t.text !== "string") throw new Error(`templates[${j}] has no \`text\``);
      if (t.size !== undefined && !isCount(t.size)) throw new Error(`templates[${j}].size is not a whole number`);
      const varies = t.varies ?? [];
      if (!Array.isArray(varies) || !varies.every((x) => x && typeof x.token === "string" && isCount(x.ads))) throw new Error(`templates[${j}].varies is not a list of { token, ads }`);
      return { size: t.size ?? null, sampled: isCount(t.sampled) ? t.sampled : null, text: t.text, varies: varies.map((x) => ({ token: x.token, ads: x.ads })) };
    });
    for (const m of members) if (m.template !== null && m.template >= templates.length) throw new Error(`a member's template ${m.template} is not one of the ${templates.length} templates`);
    const contacts = (v.contacts ?? []).map((c, j) => {
      if (!c || typeof c.kind !== "string" || !/^[a-z]{1,16}$/.test(c.kind)) throw new Error(`contacts[${j}].kind is not a contact kind`);
      if (typeof c.hash !== "string" || !HEX64.test(c.hash)) throw new Error(`contacts[${j}].hash is not a keyed hash (64 hex digits)`);
      return { kind: c.kind, hash: c.hash, ads: isCount(c.ads) ? c.ads : null };
    });
    return { cluster: v.cluster, size: v.size, verdict: v.verdict ?? null, tiers, templates, contacts, members };
  }

  /**
   * Reads a cluster file (`redflag link`'s JSON Lines output) and checks
   * every line; throws an Error naming the first bad line (nothing is kept
   * from a file with one). Blank lines are skipped.
   * Returns { clusters, ads } (ads: members, all clusters together).
   */
  function parseClusters(text, { maxBytes = LIMITS.fileBytes, maxClusters = LIMITS.clusters } = {}) {
    if (typeof text !== "string") throw new Error("the cluster file is not text");
    const bytes = utf8Length(text);
    if (bytes > maxBytes) throw new Error(`the file is ${(bytes / 1048576).toFixed(1)} MiB; a cluster file may be at most ${maxBytes / 1048576} MiB (link fewer ads, or keep the most serious clusters: \`head -n 100000\`)`);
    const clusters = [];
    const seen = new Set();
    let ads = 0;
    let at = 0;
    let line = 0;
    while (at < text.length) {
      let end = text.indexOf("\n", at);
      if (end < 0) end = text.length;
      line++;
      const raw = text.slice(at, end).replace(/\r$/, "");
      at = end + 1;
      if (!raw.trim()) continue;
      let v;
      try {
        v = JSON.parse(raw);
      } catch (e) {
        if (line === 1 && /^\s*</.test(raw)) throw new Error("line 1: this is HTML, not JSON Lines: load the output of `redflag link` without `--format html`");
        throw new Error(`line ${line}: invalid JSON: ${e.message}`);
      }
      let c;
      try {
        c = readCluster(v);
      } catch (e) {
        throw new Error(`line ${line}: ${e.message}`);
      }
      if (seen.has(c.cluster)) throw new Error(`line ${line}: cluster ${c.cluster} appears twice`);
      seen.add(c.cluster);
      if (clusters.length >= maxClusters) throw new Error(`line ${line}: more than ${maxClusters.toLocaleString("en")} clusters; a cluster file may hold at most that many (keep the first ones, the most serious: \`head -n ${maxClusters}\`)`);
      clusters.push(c);
      ads += c.members.length;
    }
    if (!clusters.length) throw new Error("the file holds no cluster (`redflag link` writes one JSON object a line)");
    return { clusters, ads, bytes };
  }

  /** Lookups into loaded clusters: member listing id → cluster index, contact hash → cluster indices. */
  function clusterIndex(clusters) {
    const byId = new Map();
    const byHash = new Map();
    clusters.forEach((c, k) => {
      c.members.forEach((m, j) => {
        if (m.id && !byId.has(m.id)) byId.set(m.id, [k, j]);
      });
      for (const h of c.contacts) {
        const list = byHash.get(h.hash);
        if (!list) byHash.set(h.hash, [k]);
        else if (!list.includes(k)) list.push(k);
      }
    });
    return { byId, byHash };
  }

  /** How a cluster's tiers read: "3 blocked, 1 in review", or "none in review or blocked". */
  function tierWords(tiers) {
    const parts = [];
    if (tiers.block) parts.push(`${tiers.block} blocked`);
    if (tiers.review) parts.push(`${tiers.review} in review`);
    return parts.length ? parts.join(", ") : "none in review or blocked";
  }

  globalThis.redflagLink = { LIMITS, PAGE_KINDS, TIERS, similarity, group, linksOf, parseClusters, clusterIndex, tierWords, utf8Length };
})();
