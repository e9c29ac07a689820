// Text into HTML, for the few pages written as strings (the edge worker's
// block and retry pages, the demo server's answer page).

/**
 * Escapes `&`, `<`, `>`, `"` and `'` as numeric character references, so the
 * text is safe in element content and in quoted attribute values.
 * @param {unknown} s the text (converted with `String`)
 * @returns {string}
 */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
