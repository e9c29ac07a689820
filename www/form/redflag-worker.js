// redflag form integration, screening side: a module Worker that owns its
// own Engine, so a long ad is screened without blocking the page. Started by
// `attachForm(form, { worker: { packageUrl } })`; not meant to be used alone.
//
// Messages from the page:
//   { type: "init", packageUrl, packs, engineOptions }
//   { type: "screen", id, submission }
// Messages to the page:
//   { type: "ready", explainable }             the engine is compiled
//   { type: "failed", message }                no engine: the page screens itself
//   { type: "verdict", id, verdict, ms }       or { type: "verdict", id, error, ms }

let ready = null;

self.addEventListener("message", (event) => {
  const m = event.data;
  if (!m || typeof m !== "object") return;
  if (m.type === "init" && !ready) {
    ready = start(m).then(
      (engine) => {
        self.postMessage({ type: "ready", explainable: engine.explainableCategories() });
        return engine;
      },
      (e) => {
        self.postMessage({ type: "failed", message: String(e?.message ?? e) });
        return null;
      },
    );
  } else if (m.type === "screen") {
    screenOne(m);
  }
});

/** Loads the package the page named and compiles its Engine. */
async function start({ packageUrl, packs, engineOptions }) {
  const { Engine } = await import(packageUrl);
  const engine = new Engine(packs ?? null, engineOptions ?? null);
  // The first calls compile the engine's code paths lazily; pay for that
  // here, before the poster's first pause.
  for (const section of ["jobs", "adult", "for-sale"]) {
    engine.screen({ section, title: "Warm-up", body: "Café 😀 pay the fee of 20 $, call 555-0100, passport, new in town." });
  }
  return engine;
}

async function screenOne({ id, submission }) {
  const engine = await (ready ?? Promise.resolve(null));
  if (!engine) return; // the page was told "failed" and screens itself
  const start = performance.now();
  try {
    const verdict = engine.screen(submission);
    self.postMessage({ type: "verdict", id, verdict, ms: performance.now() - start });
  } catch (e) {
    self.postMessage({ type: "verdict", id, error: String(e?.message ?? e), ms: performance.now() - start });
  }
}
