// Types of the form integration's interface strings (messages.js).

/** The strings the form integration shows to posters, in one language. */
export interface UiStrings {
  /** Heading of a warning (while typing and on submit). */
  warnHeading: string;
  /** Heading of a message for an ad that goes to review. */
  reviewHeading: string;
  /** Heading of a block message: the one place that says the ad can't be posted. */
  blockHeading: string;
  /**
   * Help under a block message. The words in [brackets] become a link to
   * `rulesUrl` when it is given, plain words otherwise.
   */
  blockHelp: string;
  /** Shown after an ad that goes to review has been sent. */
  review: string;
  /** Introduces the highlighted excerpts of a warning. */
  checkThese: string;
  /** Button: back to the field with the problem. */
  edit: string;
  /** Button: post a warned ad as it is. */
  postAnyway: string;
  /** Appended to the rules link, which opens in a new tab. */
  newTab: string;
  /**
   * Under a block message when `appealUrl` is given: the words in [brackets]
   * link to the appeal page (new tab), `{ref}` is the block's reference id.
   */
  appeal: string;
}

/** Interface languages: en, es, fr, pt, ro, ru, uk, pl, tl, vi, th, id, zh (simplified), zh-Hant (traditional), ar, hi. */
export type UiLang =
  | "en" | "es" | "fr" | "pt" | "ro" | "ru" | "uk" | "pl" | "tl" | "vi" | "th" | "id" | "zh" | "zh-Hant" | "ar" | "hi";

/** The strings of every interface language. */
export declare const uiStrings: Record<UiLang, UiStrings>;

/**
 * The interface language for a BCP 47 tag: region subtags dropped
 * (`pt-BR` → `pt`), `zh-TW`/`zh-HK`/`zh-MO`/`zh-Hant` → `zh-Hant`, other
 * Chinese → `zh`, `fil` → `tl`; anything else without strings → `en`.
 */
export declare function resolveLang(tag: string | null | undefined): UiLang;

/** `"rtl"` for languages written right to left (Arabic), else `"ltr"`. */
export declare function textDirection(lang: UiLang): "rtl" | "ltr";

/** The default packs' poster messages that only say an ad cannot be published; left out under a block heading. */
export declare const refusals: readonly string[];
