// Types of the form integration (redflag-form.js): screens a "post an ad"
// form in the poster's browser, as they type and on submit.
import type { Engine, EngineOptions, PackInput, Section, Tier, Verdict } from "redflag";
import type { UiStrings } from "./messages.js";

export type { UiLang, UiStrings } from "./messages.js";

/** Screening in a module Worker that owns its own Engine (off the page's main thread). */
export interface WorkerOptions {
  /**
   * URL of redflag's browser entry (`index.js` of the package, with
   * `redflag_bg.wasm` next to it), as the page serves it, e.g.
   * `"/redflag/index.js"`; relative URLs resolve against the page. The
   * worker imports it; when no worker can run, the page imports it too if
   * no `engine` was given.
   */
  packageUrl: string | URL;
  /** URL of the worker script. Default: `redflag-worker.js` next to `redflag-form.js`. */
  url?: string | URL;
  /** Packs for the worker's Engine, as for `new Engine(packs, options)`; default: the built-in packs. */
  packs?: PackInput | PackInput[] | null;
  /** Options for the worker's Engine, as for `new Engine(packs, options)`. */
  engineOptions?: EngineOptions | null;
}

export interface FormOptions {
  /**
   * An Engine on the page. Required unless `worker` is given; with a worker
   * it is the fallback when the Worker cannot be created or fails.
   */
  engine?: Engine | null;
  /** Screen in a module Worker (recommended: a long paste does not block typing). */
  worker?: WorkerOptions | false | null;
  /** Names of the form controls to screen, in the order they appear. Default `["title", "body"]`. */
  fields?: string[];
  /**
   * The ad's section: a selector of a control in the form (`"select[name=section]"`,
   * `"#section"`, `".section"`), a fixed section name, or a function.
   * Default: the form control named `section`.
   */
  section?: string | (() => Section | (string & {}) | null | undefined);
  /**
   * Where messages go: an element or a selector. Put it where its growth
   * moves nothing, e.g. after the fields. Default: a new element at the end
   * of the form.
   */
  messages?: string | HTMLElement | null;
  /** Milliseconds of pause in typing before the text is screened. Default 300. */
  debounce?: number;
  /** Name of the hidden field that carries the verdict summary. Default `"redflag"`. */
  summaryField?: string;
  /**
   * Interface language (BCP 47). Default: the page's `<html lang>`; regions
   * map to their language (`pt-BR` → `pt`, `zh-TW` → traditional Chinese);
   * unknown languages use English.
   */
  lang?: string;
  /** Replaces some or all of the interface strings. */
  strings?: Partial<UiStrings>;
  /** Highlight explainable hits in a warning. Default true. */
  highlight?: boolean;
  /** Categories that may be highlighted. Default: the engine's `explainableCategories()`. */
  explainableCategories?: string[];
  /**
   * The posting rules (http or https, relative to the page allowed). When
   * given, "posting rules" in a block message links there (new tab); when
   * absent, they are plain words.
   */
  rulesUrl?: string | URL | null;
  /**
   * The appeal page (http or https, relative to the page allowed), with
   * `{ref}` where the block's reference id goes (without it, `ref=` is
   * added to the query). When given, a block message says how to appeal,
   * links there (new tab) and shows the reference. Every block also fires
   * `redflag:block` on the form (see BlockEventDetail), whether or not this
   * is set, so the site can store the reference with the verdict summary.
   */
  appealUrl?: string | null;
}

/** The detail of the `redflag:block` event the form fires when a submit is blocked. */
export interface BlockEventDetail {
  /** A random id the block message shows and the appeal link carries. */
  reference: string;
  /** When the submit was blocked (ISO 8601). */
  time: string;
  /** Tier, score, packs and rules: never the ad's text. */
  summary: VerdictSummary;
}

/** What `stats()` reports. */
export interface FormStats {
  /** Screenings done (not counting the warm-up). */
  screens: number;
  /** Engine time in milliseconds, summed, largest and mean (in the worker when `mode` is `"worker"`). */
  totalMs: number;
  maxMs: number;
  meanMs: number;
  /** Where screening runs now. */
  mode: "worker" | "main";
}

/** The verdict summary sent with warn (after confirmation) and review ads: never the ad's text. */
export interface VerdictSummary {
  tier: Tier;
  score: number;
  /** `id@version` of each pack. */
  packs: string[];
  /** Ids of the rules that fired. */
  rules: string[];
}

export interface FormController {
  /**
   * Screens the current text now and shows the result. Resolves to its
   * verdict (null when screening failed); a result for text that changed
   * meanwhile is returned but not shown.
   */
  screenNow(): Promise<Verdict | null>;
  /** The newest verdict shown, for the text it was screened from; null before the first. */
  lastVerdict(): Verdict | null;
  stats(): FormStats;
  /** Settles when the engine (in the worker, or on the page after a fallback) is compiled. */
  ready(): Promise<void>;
  /** Removes listeners, the worker, messages and the summary field. */
  detach(): void;
}

/**
 * Attaches redflag to a form. Throws a TypeError when `form` is not a
 * `<form>`, or when neither `engine` nor `worker.packageUrl` is given.
 */
export declare function attachForm(form: HTMLFormElement, options: FormOptions): FormController;

/** What the server receives: tier, score and ids, never the text. */
export declare function summary(v: Verdict): VerdictSummary;

/** The appeal URL for a reference: `{ref}` replaced (URL-encoded), or `ref=` added to the query. */
export declare function appealLink(template: string, reference: string): string;

