// Site profiles: where on a page the ads are, and which elements hold their
// title, body, section and listing id. Reviewers edit them on the options page. The
// generic profile screens common markup; a page with no ads matched falls
// back to the page's main content.
export const defaultProfiles = [
  {
    name: "Generic moderation queue",
    match: "*",
    ad: "[data-ad], .ad, .listing, article",
    title: ".ad-title, [data-field=title], h1, h2, h3",
    body: ".ad-body, [data-field=body], .description, p",
    section: "[data-section], .ad-section",
    // The element holding the listing's id (its data-listing-id, data-ad-id,
    // data-item-id or data-id, else its text), for evidence file names.
    listingId: "[data-listing-id], [data-ad-id], .listing-id, .ad-id",
  },
];

/** Whether a profile's URL pattern (`*` wildcards) matches a URL. */
export function profileMatches(pattern, url) {
  if (pattern === "*" || pattern === "<all_urls>") return true;
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(url);
}
