// Types of messages.js: the form's interface strings, by language.

/** The texts the form helper shows; override any of them with `attachForm(form, { strings })`. */
export interface UiStrings {
  warnHeading: string;
  reviewHeading: string;
  blockHeading: string;
  blockHelp: string;
  review: string;
  checkThese: string;
  edit: string;
  postAnyway: string;
}

/** The strings in each language the helper knows (`en`, `es`, `fr`, `pt`). */
export const uiStrings: Record<string, UiStrings>;
