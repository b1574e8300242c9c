// The ensemble worker: runs a range of worlds with the same Rust code as the page, so the
// page stays responsive. The page starts it from a Blob of the wasm-bindgen glue plus this
// file and sends the compiled module, which works the same from a web server and file://.
'use strict';

self.onmessage = (ev) => {
  const { module, text, origin, from, to } = ev.data;
  try {
    wasm_bindgen.initSync({ module });
    // Report in chunks of 10 worlds so the progress bar moves.
    for (let a = from; a < to; a += 10) {
      const b = Math.min(to, a + 10);
      const briefs = wasm_bindgen.ensemble_worlds(text, origin, a, b);
      self.postMessage({ briefs, count: b - a, last: b === to });
    }
  } catch (e) {
    let why = '';
    try { why = wasm_bindgen.last_panic(); } catch (_) { /* the module is gone */ }
    self.postMessage({ error: why || String(e.message || e) });
  }
};
