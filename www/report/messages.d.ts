// Types of the report control's interface strings (messages.js).

/** A reason a reader can give; the edge maps each to pack categories. */
export type ReportReason = "minor" | "fees-debt" | "documents" | "movement" | "third-party" | "other";

/** The strings the report control shows, in one language. */
export interface ReportStrings {
  /** The button that opens the report form. */
  button: string;
  /** The button's text once a report was sent (it is then disabled). */
  reported: string;
  /** Legend of the reasons. */
  question: string;
  /** Label of each reason's radio button. */
  reasons: Record<ReportReason, string>;
  /** Label of the optional comment. */
  comment: string;
  /** Description of the comment; `{max}` is its length limit. */
  commentHint: string;
  /** Submit button. */
  send: string;
  /** Closes the form without sending. */
  cancel: string;
  /** Said while the report is being sent. */
  sending: string;
  /** Said once the report was accepted; `{ref}` is its reference. */
  sent: string;
  /** Said when no reason was chosen. */
  chooseReason: string;
  /** Said when the comment (or the report) is too long. */
  tooLong: string;
  /** Said when the edge rate-limited this reader (429). */
  tooMany: string;
  /** Said when the report could not be delivered. */
  failed: string;
  /** Shown under the form: what to do when someone is in danger now. */
  emergency: string;
}

/** Interface languages of the report control. */
export type ReportLang = "en" | "es" | "fr" | "pt";

/** The strings of every interface language. */
export declare const reportStrings: Record<ReportLang, ReportStrings>;

/** The reasons, in the order the control lists them. */
export declare const reportReasons: readonly ReportReason[];

/** The interface language for a BCP 47 tag (`pt-BR` → `pt`); anything else without strings → `en`. */
export declare function resolveReportLang(tag: string | null | undefined): ReportLang;
