// Types of the redflag package. The same API is exported by every entry
// (browser, bundler, Node, workerd); only how the .wasm is loaded differs.

/** Sections rules can be scoped to. Any other string is allowed and is screened by unscoped rules only. */
export type Section = "jobs" | "adult" | "personals" | "services" | "housing" | "for-sale" | "community";

/** Outcome tiers, in increasing severity. */
export type Tier = "allow" | "warn" | "review" | "block";

/** Normalisation steps that were needed to see a hit. */
export type Step =
  | "compatibility"
  | "diacritics"
  | "confusables"
  | "invisible"
  | "emoji"
  | "leet"
  | "spacing"
  | "repeats"
  | "number-words";

/**
 * One ad: the same object the CLI reads per JSON line. `id` (any value) is
 * echoed back; `section` is optional; every other string member is a text
 * field, named by its key. Members of other types are ignored.
 */
export interface Submission {
  id?: unknown;
  section?: Section | (string & {}) | null;
  title?: string;
  body?: string;
  [field: string]: unknown;
}

export interface Thresholds {
  warn: number;
  review: number;
  block: number;
}

export interface PackInfo {
  id: string;
  version: string;
}

export interface FiredRule {
  id: string;
  title: string;
  category: string;
  /** Points added (0 for experimental rules). */
  score: number;
  /** The highest tier this rule may cause on its own. */
  max_tier: Tier;
  experimental: boolean;
  tags: string[];
  /** Id of the pack the rule comes from. */
  pack: string;
  references: string[];
  /** The rule's explanation for reviewers, when it has one. */
  reviewer?: string;
}

export interface Hit {
  rule: string;
  category: string;
  score: number;
  field: string;
  /** UTF-16 offsets into the original field: `text.slice(start, end) === hit.text`. */
  start: number;
  end: number;
  /** The same span in UTF-8 bytes. */
  byte_start: number;
  byte_end: number;
  /** The original text at the span. */
  text: string;
  /** The matching form that matched. */
  normalized: string;
  steps: Step[];
}

/** A stretch of one field's original text. */
export interface Place {
  /** UTF-16 offsets into the original field: `text.slice(start, end) === place.text`. */
  start: number;
  end: number;
  /** The same span in UTF-8 bytes. */
  byte_start: number;
  byte_end: number;
  text: string;
}

/**
 * A rule that its exception words kept from firing (it would have fired
 * without them): what cleared the indicator, for a reviewer to judge.
 */
export interface Cleared {
  rule: string;
  title: string;
  category: string;
  field: string;
  /** The exception's words ("we never charge"). */
  exception: Place;
  /** The rule's words they cancelled (the nearest, when several). */
  indicator: Place;
}

export interface Verdict {
  /** Echo of `submission.id`, when given. */
  id?: unknown;
  verdict: Tier;
  score: number;
  /** The tier the score alone reaches, before rule caps. */
  score_tier: Tier;
  thresholds: Thresholds;
  /** Whether any hit needed a normalisation step that suggests obfuscation. */
  evasion: boolean;
  /** The section screened in, if it is one the engine knows. */
  section: Section | null;
  /** What the ad offers, read from its text (whatever section it was posted in): `jobs`, `adult`, `services`… */
  offers: Section[];
  /** The languages the text was read as (`en`, `es`, `fr`, `pt`); empty when too short to tell. */
  languages: string[];
  /**
   * The engine's packs, in load order. One frozen array shared by every
   * verdict of an engine (converted once, not per screen): copy it to change it.
   */
  packs: readonly Readonly<PackInfo>[];
  /** Deployment filters that were active. */
  filters: string[];
  /** Rules that fired, highest score first (helper rules are not listed). */
  rules: FiredRule[];
  hits: Hit[];
  /** Policy messages for the person posting (only from `warn` up); never name the matched words. */
  poster_messages: string[];
  /** Specific messages for reviewers. */
  reviewer_messages: string[];
  /** Contact details, prices and ages found; only with `screen(sub, { entities: true })`. */
  entities?: Entity[];
  /** Rules that their exceptions kept from firing; absent when none. */
  cleared?: Cleared[];
  /**
   * What the built-in n-gram model read (absent when the engine has none,
   * or when no rule of the built-in packs scored and the model did not
   * send the ad to review on its own): the probability that the ad is of
   * the flagged kind, and the tier the rules alone reached when the model
   * moved the verdict from it. Below 0.2 it lowers `warn`/`review`/`block`
   * one step (below 0.1, `review`/`block` two); above 0.8, when a rule
   * scored, it raises `allow`/`warn` one step (above 0.9, `review` to
   * `block`). When no rule scored, it sends an ad of 100 characters or
   * more from `allow` to `review` above 0.95, with nothing highlighted
   * (`rules` and `hits` empty, a reviewer message saying so). On an ad
   * under 100 characters (a Han character counts three) it only lowers
   * `review`/`block` one step. It never blocks an ad the rules did not
   * take to `review`, never lowers a verdict a rule of your own pack
   * scored in, and never lowers one on an ad longer than the 16 KiB it
   * reads.
   */
  model?: ModelReading;
}

/** The n-gram model's reading of one ad (see `Verdict.model`). */
export interface ModelReading {
  /** Probability, 0 to 1, that the ad is of the flagged kind. */
  score: number;
  /** The rules' own tier, when the model moved the verdict from it. */
  moved_from?: Tier;
  /**
   * Probability of the text around what the rules found (up to 100 bytes
   * either side of each match, within its sentence), read only when the
   * whole ad's reading would lower the verdict and that text has 100
   * characters or more. Above 0.9 the model lowered one step at most,
   * above 0.98 not at all: text added to pad an ad dilutes the whole ad's
   * reading, not this one.
   */
  evidence?: number;
}

export type EntityKind = "phone" | "email" | "url" | "handle" | "messaging" | "price" | "age";

/** How an entity was written to escape scrapers. */
export type Technique =
  | "number-words"
  | "letters-for-digits"
  | "unicode-digits"
  | "emoji"
  | "spaced"
  | "line-break"
  | "separators"
  | "spelled-at"
  | "spelled-dot"
  | "brackets"
  | "invisible"
  | "look-alikes"
  | "compatibility"
  | "spacing";

/** A phone number, e-mail, URL, handle, messaging invitation, price or stated age. */
export interface Entity {
  kind: EntityKind;
  field: string;
  /** UTF-16 offsets into the original field: `text.slice(start, end)`. */
  start: number;
  end: number;
  byte_start: number;
  byte_end: number;
  /** `["plain"]`, or the obfuscation techniques seen. */
  written: ["plain"] | Technique[];
  obfuscated: boolean;
  /**
   * Canonical value: always for prices, ages and messaging invitations; for
   * contacts (phone, email, url, handle) only with `rawValues: true`.
   * Phones: digits with `+` and country code when known (`+12025550147`).
   */
  value?: string;
  /** Hex HMAC-SHA-256 of `kind:value` with the engine's `entityKey` (contacts only). */
  hash?: string;
  /** `whatsapp`, `telegram`, `kik`, `snapchat`, `wechat`, `line`, `signal`, `instagram`, `app`, … */
  platform?: string;
  /** The amount of a price, or an age in years. */
  number?: number;
  /** `USD`, `EUR`, `GBP`, `BRL`, `MXN`, `$`, `roses`, `donation`, … */
  currency?: string;
  /** `hour`, `half-hour`, `night`, `day`, `week`, `month`, `session`, `quick-visit`. */
  per?: string;
}

export interface ScreenOptions {
  /** Add the entities found to the verdict. */
  entities?: boolean;
  /** Include canonical contact values (reviewer tools only; never in poster-facing code). */
  rawValues?: boolean;
  /** Thresholds for this call only. */
  thresholds?: Thresholds;
}

/** A problem in a pack, with the path to the offending item, e.g. `rule[12].match.near.within`. */
export interface PackError {
  /** The pack's id, or `#n` for the n-th pack given when its id is not known. */
  pack: string | null;
  path: string;
  message: string;
}

/** What `new Engine()` throws when packs do not load: every problem, structured. */
export interface PackLoadError extends Error {
  problems: PackError[];
}

export interface Limits {
  max_input_bytes: number;
  max_fields: number;
  max_packs: number;
  max_rules: number;
  max_terms: number;
  max_term_bytes: number;
  max_condition_depth: number;
  max_hits_per_rule: number;
  max_entities: number;
}

export interface EngineOptions {
  /**
   * Load the built-in packs before the given ones (default `true`, as the
   * CLI's `--pack` adds to them); `false` uses only the given packs, as the
   * CLI's `--no-default-packs`.
   */
  defaultPacks?: boolean;
  /**
   * `false` screens with the rules alone, without the built-in n-gram model
   * (the CLI's `--no-model`); verdicts then have no `model`. The model
   * comes only with the built-in packs.
   */
  model?: boolean;
  /** Override the packs' thresholds. */
  thresholds?: Thresholds;
  /** Override limits; unspecified ones keep their defaults. */
  limits?: Partial<Limits>;
  /** Deployment secret (at least 16 bytes) for keyed hashes of contact entities. */
  entityKey?: string;
  /** Trusted ed25519 public keys (base64). Every pack given must then be a signed pack (JSON text) that verifies. */
  publicKeys?: string[];
  /** The last accepted version of each pack id: older versions are refused. */
  lastVersions?: Record<string, string>;
  /** The current time in milliseconds, for expiry (default `Date.now()`). */
  now?: number;
}

export interface TrustOptions {
  publicKeys: string[];
  lastVersions?: Record<string, string>;
  now?: number;
}

export interface TestFailure {
  pack: string;
  rule: string;
  kind: "fire" | "pass";
  index: number;
  text: string;
  message: string;
}

export interface TestReport {
  passed: number;
  failures: TestFailure[];
}

// ----- The pack format (see docs/pack-authors.md in the repository for the authoring guide) -----

/** A term list; `"@name"` splices a named list; `*` at either end matches inside words. */
export type Terms = string[];

export type Condition =
  | { any: Terms }
  | { all: Terms }
  | { none: Terms }
  | { near: { a: Terms; b: Terms; within: number; ordered?: boolean } }
  | { at_least: { n: number; of: Condition[] } }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition }
  | { rule: string }
  | { rules: { of: string[]; min: number } }
  | {
      entity: {
        kind: EntityKind;
        obfuscated?: boolean;
        written?: Technique[];
        min?: number;
        max?: number;
        platforms?: string[];
        near?: Terms;
        within?: number;
      };
    };

export type TestCase = string | ({ section?: string } & Record<string, string>);

export interface Rule {
  id: string;
  title: string;
  category: string;
  /** Schema 3: rules of several packs naming one indicator count once (the highest score). */
  indicator?: string;
  tags?: string[];
  status?: "stable" | "experimental";
  helper?: boolean;
  score?: number;
  /** Schema 4: `strong` reaches review on its own, `weak` alone stays at most at warn. */
  strength?: "weak" | "medium" | "strong";
  /** Schema 4: this helper recognises the kind of ad from its text and opens the rules scoped to it. */
  offer?: Section;
  max_tier?: Tier;
  sections?: Section[];
  fields?: string[];
  match: Condition;
  exceptions?: Terms;
  exception_window?: number;
  explain?: { poster?: string; reviewer?: string };
  references?: string[];
  falsepositives?: string[];
  tests?: { fire?: TestCase[]; pass?: TestCase[] };
}

export interface Filter {
  id: string;
  description?: string;
  rules: string[];
  sections?: Section[];
  fields?: string[];
  when?: Condition;
}

export interface Override {
  rule: string;
  score?: number;
  status?: "stable" | "experimental";
  max_tier?: Tier;
  disabled?: boolean;
}

export interface Pack {
  schema: number;
  pack: {
    id: string;
    version: string;
    title?: string;
    description?: string;
    languages?: string[];
    thresholds?: Thresholds;
    explainable_categories?: string[];
    authors?: string[];
    license?: string;
    references?: string[];
  };
  lists?: Record<string, string[]>;
  rule?: Rule[];
  filter?: Filter[];
  override?: Override[];
}

/** A pack given as a parsed object or as JSON text. */
export type PackInput = Pack | string;

/**
 * A compiled set of rule packs. `new Engine()` loads the built-in packs;
 * `new Engine(sitePack)` loads the built-in packs and then yours;
 * `new Engine(packs, { defaultPacks: false })` loads only yours.
 * Throws an `Error` that lists every pack problem with its path; for pack
 * problems it is a {@link PackLoadError}, whose `problems` hold them as
 * `{ pack, path, message }` (no need to parse the message).
 * Call `free()` to release it early; otherwise it is released when
 * garbage-collected.
 */
export class Engine {
  constructor(packs?: PackInput | readonly PackInput[] | null, options?: EngineOptions | null);
  /** Screens one submission. Throws an `Error` for a malformed submission or an exceeded limit. */
  screen(submission: Submission, options?: ScreenOptions | null): Verdict;
  packs(): PackInfo[];
  limits(): Limits;
  thresholds(): Thresholds;
  /** Categories the packs mark as safe to explain and highlight to posters. */
  explainableCategories(): string[];
  /**
   * Runs the inline tests of the packs given to this engine. The built-in
   * packs are embedded without theirs: load `redflag/default-packs.json`
   * into an engine without them (`new Engine(defaults, { defaultPacks: false })`)
   * to run them.
   */
  runTests(): TestReport;
  free(): void;
}

/** Validates packs without building an engine; returns every problem (empty when valid). */
export function validatePacks(packs: PackInput | readonly PackInput[]): PackError[];

/**
 * Verifies a signed pack (JSON text) and returns the pack. Throws saying why
 * it was refused: not signed, tampered or signed by an untrusted key,
 * expired, or older than `lastVersions` allows.
 */
export function verifySignedPack(signed: string, options: TrustOptions): Pack;

/** A verified hash-list pack (docs/images.md), as `verifySignedHashList` returns it. */
export interface VerifiedHashList {
  id: string;
  version: string;
  /** What a match does. */
  policy: "block" | "review";
  /** Why the list exists, for reviewers. */
  reason: string;
  /** The list's own match threshold in bits, or null (the deployment's, by default 31). */
  threshold: number | null;
  /** Number of hashes. */
  size: number;
  /** The hashes in the hash-list text format (`hash<TAB>label` a line), for the image module's `new HashList(list)`. */
  list: string;
}

/**
 * Verifies a signed hash-list pack (JSON text) with the same keys, expiry
 * and downgrade protection as `verifySignedPack`. Throws saying why it was
 * refused, or why the list cannot be read.
 */
export function verifySignedHashList(signed: string, options: TrustOptions): VerifiedHashList;

/** Extracts contact details, prices and ages without an engine. */
export function extractEntities(
  submission: Submission,
  options?: { rawValues?: boolean; entityKey?: string } | null,
): Entity[];

/** A contact's keyed hash in a {@link Signature}. */
export interface ContactHash {
  /** `phone`, `email`, `url`, `handle` or `messaging`. */
  kind: EntityKind;
  /** Hex HMAC-SHA-256 of the canonical value with the `entityKey`, as {@link Entity.hash}. */
  hash: string;
}

/**
 * What one ad contributes to linking ads to each other, without its text
 * (`redflag link`, docs/linking.md): a MinHash of its shingles in the
 * matching form (disguised copies of a template match), the keyed hashes
 * of its contacts, and its LSH band keys.
 */
export interface Signature {
  /** The signature scheme; compare only signatures of one version. */
  version: number;
  /** 128 MinHash values. */
  minhash: number[];
  /** Distinct shingles in the ad (0: nothing to compare). */
  shingles: number;
  /** Keyed contact hashes, sorted, without repeats; empty without `entityKey`. */
  contacts: ContactHash[];
  /** MinHash values per LSH band, chosen for the `threshold`. */
  rows: number;
  /** The band keys (16 hex digits each): ads sharing one are candidates; confirm with {@link similarity}. */
  bands: string[];
}

/**
 * The signature of one ad, for an origin to index:
 * `signature(ad, { entityKey, threshold: 0.5 })`. `entityKey` (16 bytes
 * or more, the deployment's secret) adds keyed contact hashes; `threshold`
 * (0 to 1, default 0.5) chooses the band rows.
 *
 * @example
 * const a = signature({ body: "Hostess work abroad, passport kept by the agency" });
 * const b = signature({ body: "H0stess work abroad, pаssport kept by the agency" });
 * similarity(a, b); // 1: one template, disguised
 */
export function signature(
  submission: Submission,
  options?: { entityKey?: string; threshold?: number } | null,
): Signature;

/** The estimated Jaccard similarity (0 to 1) of two ads from their signatures. Throws for another version. */
export function similarity(a: Pick<Signature, "version" | "minhash" | "shingles">, b: Pick<Signature, "version" | "minhash" | "shingles">): number;

/** The matching form of a text, as rules see it. */
export function normalize(text: string): string;

/** The engine version. */
export function version(): string;

// ----- Loading the .wasm -----

/**
 * A global class's instance type, or `never` where the TypeScript libraries
 * in use do not declare it, so that these declarations also check in a
 * project with neither the DOM library nor @types/node.
 */
type GlobalInstance<K extends string> = typeof globalThis extends { [P in K]: abstract new (...args: any) => infer I } ? I : never;

/** `WebAssembly.Module`, where declared. */
type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any) => infer I } } ? I : never;

/** The .wasm's bytes. */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/** What `init` accepts: a URL or path to the .wasm, a Request or Response, its bytes, or a compiled module. */
export type InitInput = string | GlobalInstance<"URL"> | GlobalInstance<"Request"> | GlobalInstance<"Response"> | WasmBytes | WasmModule;

/**
 * Fetches (if needed) and instantiates the .wasm; resolves at once when it
 * is already instantiated (every entry but `redflag/manual` does that on
 * import). Rejects with an `Error` naming the URL or input that failed, and
 * may be called again. Default input: `redflag_bg.wasm` next to the module.
 */
export function init(input?: { module_or_path?: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<void>;

/** Instantiates the .wasm synchronously from its bytes or a compiled module; does nothing when already instantiated. */
export function initSync(input: { module: WasmBytes | WasmModule } | WasmBytes | WasmModule): void;

/** Resolves once the .wasm is instantiated, by whichever entry, `init` or `initSync`. */
export const ready: Promise<void>;
