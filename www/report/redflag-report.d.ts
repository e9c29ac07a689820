// Types of the report control (redflag-report.js): a "Report this ad"
// button a listing page puts next to an ad; it POSTs to the edge worker's
// report route.
import type { Section } from "redflag";
import type { ReportReason, ReportStrings } from "./messages.js";

export type { ReportLang, ReportReason, ReportStrings } from "./messages.js";

/** One part of the ad's text: the text itself, an element (its text), or a `#id`/`.class` selector. */
export type AdText = string | Element | null | undefined;

/** The ad as the reader sees it: re-screened at the edge. */
export interface ReportedAd {
  section?: Section | (string & {}) | null;
  title?: AdText;
  body?: AdText;
}

export interface ReportOptions {
  /** The listing's id, as the site knows it (1-200 characters). Give it, `url`, or both. */
  listing?: string | number | null;
  /** The listing's URL (relative URLs resolve against the page). */
  url?: string | URL | null;
  /** The ad's text as shown, read when the report is sent; or a function returning it. */
  ad: ReportedAd | (() => ReportedAd);
  /** The edge's report route. Default `"/__redflag/report"` (REPORT_ROUTE). */
  endpoint?: string | URL;
  /** Interface language (BCP 47). Default: the page's `<html lang>`; unknown languages use English. */
  lang?: string;
  /** Replaces some or all of the interface strings (`reasons` merged per reason). */
  strings?: Partial<Omit<ReportStrings, "reasons">> & { reasons?: Partial<Record<ReportReason, string>> };
}

export interface ReportController {
  /** The control's button (aria-expanded tells whether the form is open). */
  readonly button: HTMLButtonElement;
  /** Opens the form and focuses the reasons (nothing once a report was sent). */
  open(): void;
  /** Closes the form and returns focus to the button. */
  close(): void;
  /** Removes the control and its listeners. */
  detach(): void;
}

/** What the `redflag:report` event (bubbling from the container) carries once a report was accepted. */
export interface ReportEventDetail {
  reference: string | null;
  reason: ReportReason;
}

/** Longest comment, in characters. */
export declare const MAX_COMMENT: number;

/** The edge's default report route. */
export declare const DEFAULT_ENDPOINT: string;

/**
 * Adds the report control to `container`. Throws a TypeError when it is not
 * an element, when neither `listing` nor `url` is given, when `ad` is
 * missing or `endpoint` is not an http(s) URL.
 */
export declare function attachReport(container: HTMLElement, options: ReportOptions): ReportController;
