// Types of redflag-form.js (`redflag/form`): screening a "post an ad" form
// in the poster's browser.
import type { Section, Verdict } from "redflag";
import type { UiStrings } from "./messages.js";

export type { UiStrings } from "./messages.js";

/** The engine methods the form uses (a redflag `Engine`). */
export interface FormEngine {
  screen(submission: Record<string, unknown>, options?: { entities?: boolean } | null): Verdict;
  explainableCategories?(): string[];
}

export interface AttachOptions {
  /** The engine to screen with: `new Engine()`. */
  engine: FormEngine;
  /** Names of the inputs to screen (default `["title", "body"]`). */
  fields?: string[];
  /** The section: a selector of the input holding it, a fixed section, or a function returning it (default: the `section` input). */
  section?: string | (() => Section | (string & {}) | undefined);
  /** Where messages go: a selector or an element (default: a new element at the top of the form). */
  messages?: string | HTMLElement;
  /** Milliseconds to wait after typing before screening (default 300). */
  debounce?: number;
  /** Name of the hidden field that carries the verdict summary (default `redflag`). */
  summaryField?: string;
  /** Language of the interface strings (default: the page's `lang`). */
  lang?: string;
  /** Replacement interface strings. */
  strings?: Partial<UiStrings>;
  /** Highlight the explainable parts of the ad (default true). */
  highlight?: boolean;
  /** Categories safe to explain to posters (default: the engine's). */
  explainableCategories?: string[];
}

/** What the server receives: tier, score and ids, never the text. */
export interface VerdictSummary {
  tier: Verdict["verdict"];
  score: number;
  /** `id@version` of each pack. */
  packs: string[];
  /** Ids of the rules that fired. */
  rules: string[];
}

export interface FormStats {
  screens: number;
  totalMs: number;
  maxMs: number;
  meanMs: number;
}

export interface FormController {
  /** Screens the form now and shows the result; null when the engine failed. */
  screenNow(): Verdict | null;
  /** The last verdict, or null. */
  lastVerdict(): Verdict | null;
  /** How many screens and how long they took. */
  stats(): FormStats;
  /** Removes the listeners and messages. */
  detach(): void;
}

/** Attaches redflag to a form. */
export function attachForm(form: HTMLFormElement, options: AttachOptions): FormController;

/** The verdict summary the form sends with the ad. */
export function summary(v: Verdict): VerdictSummary;
