// Makes the single-file page: web/dist/index.html with the stylesheet, the glue, the app,
// the worker source and the wasm (base64) inlined, so that it opens from file:// or an
// e-mail attachment with no network. Usage: node inline.mjs DIST OUT.html
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dist, out] = process.argv.slice(2);
const read = (f) => readFileSync(join(dist, f), 'utf8');
// Inside <script>, only "</script" ends the element; escaping its slash keeps the JS equal.
const script = (s) => s.replace(/<\/script/gi, '<\\/script');
let html = read('index.html');
const swap = (from, to) => {
  if (!html.includes(from)) throw new Error(`inline.mjs: ${from} not found in index.html`);
  html = html.replace(from, () => to);
};
swap('<link rel="stylesheet" href="style.css">', `<style>\n${read('style.css')}</style>`);
const wasm = readFileSync(join(dist, 'blocs_web_bg.wasm')).toString('base64');
swap('<script src="blocs_web.js" id="glue"></script>',
  `<script>window.BLOCS_WASM_BASE64 = "${wasm}";</script>\n` +
  `<script id="glue">\n${script(read('blocs_web.js'))}</script>\n` +
  `<script type="text/plain" id="worker-src">\n${script(read('worker.js'))}</script>`);
swap('<script src="app.js"></script>', `<script>\n${script(read('app.js'))}</script>`);
writeFileSync(out, html);
