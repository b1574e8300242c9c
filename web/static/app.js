// The classroom page: wiring only. Every model decision, validation message, narration
// sentence and statistic comes from the Rust module (blocs_web); this file draws and
// forwards clicks.
'use strict';

const $ = (id) => document.getElementById(id);
const W = () => wasm_bindgen; // the wasm-bindgen glue's global (no-modules target)

const CHARTS = [
  ['m_share', 'M members\u2019 GDP share (m_share)', 0, 1],
  ['e_m', 'M\u2019s effectiveness e_M', 0, 1],
  ['t_m', 'M\u2019s tariff t_M', 0, null],
  ['coverage', 'GDP in an agreement (coverage)', 0, 1],
  ['free_share', 'Trade at zero tariff (free_share)', 0, 1],
  ['effective_blocs', 'Effective number of blocs', 0, null],
  ['bloc_wall', 'Tariff between blocs (bloc_wall)', 0, null],
];
// Ticks per animation frame for speed 1..6; 6 is full speed (as many as fit in ~25 ms).
const SPEEDS = [[1 / 8, '1 tick / 8 frames'], [1 / 3, '1 tick / 3 frames'], [1, '1 tick / frame'],
  [3, '3 ticks / frame'], [10, '10 ticks / frame'], [Infinity, 'full speed']];

const page = {
  app: null, appB: null, layout: null, frame: null, frameB: null, palette: null,
  coloursA: new Map(), coloursB: new Map(),
  series: [], seriesB: [], presets: [], playing: false, carry: 0, compare: null,
  hover: -1, selected: -1, module: null, glue: null, origin: '', fps: { frames: 0, since: 0, value: 0 },
};
window.blocsPage = page; // for the end-to-end tests and curious students

// ---- the wasm module and the panic guard ----------------------------------------------

function guard(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      const why = (() => { try { return W().last_panic(); } catch (_) { return ''; } })();
      page.playing = false;
      showPanic(why || String(e));
      return undefined;
    }
    throw e;
  }
}

function showPanic(message) {
  const box = $('panic');
  box.textContent = '';
  const p = document.createElement('p');
  p.textContent = 'The model stopped with an internal error, so this world cannot go on. ' +
    'Please report it with the exported scenario. Reload the page to start again.';
  const pre = document.createElement('pre');
  pre.textContent = message;
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.textContent = 'Reload the page';
  btn.onclick = () => location.reload();
  box.append(p, pre, btn);
  box.hidden = false;
  updatePlayButton();
}

function showError(message) {
  $('error-text').textContent = message;
  $('error').hidden = false;
}

async function loadModule() {
  let bytes;
  if (window.BLOCS_WASM_BASE64) {
    const bin = atob(window.BLOCS_WASM_BASE64);
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  } else {
    const res = await fetch('blocs_web_bg.wasm');
    if (!res.ok) throw new Error('cannot load blocs_web_bg.wasm: ' + res.status);
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  page.module = await WebAssembly.compile(bytes);
  W().initSync({ module: page.module });
  const glue = $('glue');
  page.glue = glue.textContent.trim() ? glue.textContent : await (await fetch('blocs_web.js')).text();
  const worker = $('worker-src');
  page.workerSrc = worker ? worker.textContent : await (await fetch('worker.js')).text();
}

// ---- opening worlds --------------------------------------------------------------------

function open(app, origin) {
  page.app = app;
  page.origin = origin;
  page.layout = JSON.parse(app.layout());
  stopCompare();
  fillCountries();
  buildControls();
  restart();
}

function openPreset(name) {
  const app = guard(() => W().App.preset(name));
  if (!app) return;
  const p = page.presets.find((x) => x.name === name);
  $('panel-lesson').innerHTML = markdown(p.lesson) +
    `<p class="hint">Scenario: <code>${esc(p.path)}</code></p>`;
  open(app, p.path);
}

function restart() {
  page.series = [];
  page.seriesB = [];
  $('log').textContent = '';
  pull();
  draw();
}

/// Fetches what changed in the model since the last frame.
function pull() {
  const app = page.app;
  page.frame = JSON.parse(app.frame());
  assignColours(page.frame, page.coloursA);
  const from = page.series.length;
  for (const p of JSON.parse(app.series_since(from))) page.series.push(p);
  for (const line of JSON.parse(app.narrate())) addLog(line);
  if (page.appB) {
    page.frameB = JSON.parse(page.appB.frame());
    assignColours(page.frameB, page.coloursB);
    for (const p of JSON.parse(page.appB.series_since(page.seriesB.length))) page.seriesB.push(p);
    page.appB.narrate();
  }
}

function addLog(line) {
  const li = document.createElement('li');
  li.className = line.kind;
  li.textContent = line.text;
  const log = $('log');
  log.prepend(li);
  while (log.childElementCount > 400) log.lastElementChild.remove();
}

// ---- controls --------------------------------------------------------------------------

function buildControls() {
  const form = $('control-list');
  form.textContent = '';
  const controls = JSON.parse(page.app.controls());
  page.controls = controls;
  for (const c of controls) {
    const div = document.createElement('div');
    div.className = 'control' + (c.enabled ? '' : ' disabled');
    const id = 'ctl-' + c.name;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = c.label;
    const row = document.createElement('div');
    row.className = 'row';
    let input;
    const w = c.widget;
    if (w.type === 'slider') {
      input = document.createElement('input');
      input.type = 'range';
      input.min = w.min; input.max = w.max; input.step = w.step; input.value = c.value;
      const out = document.createElement('output');
      out.htmlFor = id;
      const show = () => { out.textContent = c.name === 'new_reach' && +input.value >= w.max ? '\u221e' : input.value; };
      show();
      input.addEventListener('input', show);
      input.addEventListener('change', () => setControl(c.name, input.value));
      row.append(input, out);
    } else if (w.type === 'select') {
      input = document.createElement('select');
      for (const o of w.options) input.add(new Option(o, o, false, o === c.value));
      input.addEventListener('change', () => setControl(c.name, input.value));
      row.append(input);
    } else if (w.type === 'toggle') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = !!c.value;
      input.addEventListener('change', () => setControl(c.name, String(input.checked)));
      row.append(input);
    } else {
      input = document.createElement('input');
      input.type = 'number'; input.min = w.min; input.max = w.max; input.step = 1; input.value = c.value;
      input.addEventListener('change', () => setControl(c.name, input.value));
      row.append(input);
    }
    input.id = id;
    input.disabled = !c.enabled;
    const help = document.createElement('p');
    help.className = 'help';
    help.id = id + '-help';
    help.textContent = c.help;
    input.setAttribute('aria-describedby', help.id);
    div.append(label, row, help);
    form.append(div);
  }
  const sel = $('compare-control');
  const keep = sel.value;
  sel.textContent = '';
  for (const c of controls) if (c.enabled) sel.add(new Option(c.label, c.name));
  if (keep) sel.value = keep;
  suggestCompareValue();
}

function setControl(name, value) {
  guard(() => {
    try {
      page.app.set_control(name, value);
      $('error').hidden = true;
    } catch (e) {
      showError(e.message);
    }
  });
  page.layout = JSON.parse(page.app.layout());
  fillCountries();
  buildControls();
  if (page.compare) startCompare(page.compare.name, page.compare.value);
  restart();
}

// ---- play loop ---------------------------------------------------------------------------

function updatePlayButton() {
  $('play').textContent = page.playing ? 'Pause' : '\u25b6 Play';
  $('play').setAttribute('aria-pressed', String(page.playing));
}

function togglePlay() {
  if (!page.app) return;
  if (page.app.stopped() && !page.playing) return;
  page.playing = !page.playing;
  updatePlayButton();
}

function stepOnce() {
  page.playing = false;
  updatePlayButton();
  guard(() => { page.app.step(1); if (page.appB) page.appB.step(1); pull(); });
  draw();
}

function advance() {
  const speed = SPEEDS[+$('speed').value - 1][0];
  const app = page.app;
  if (speed === Infinity) {
    const t0 = performance.now();
    do {
      app.step(1);
      if (page.appB) page.appB.step(1);
    } while (!app.stopped() && performance.now() - t0 < 25);
  } else {
    page.carry += speed;
    const n = Math.floor(page.carry);
    page.carry -= n;
    if (n > 0) { app.step(n); if (page.appB) page.appB.step(n); }
  }
  pull();
  if (app.stopped() && (!page.appB || page.appB.stopped())) {
    page.playing = false;
    updatePlayButton();
  }
}

function loop(now) {
  if (page.playing) {
    guard(advance);
    draw();
    page.fps.frames++;
  }
  if (now - page.fps.since >= 1000) {
    page.fps.value = page.fps.frames * 1000 / (now - page.fps.since);
    page.fps.frames = 0;
    page.fps.since = now;
  }
  requestAnimationFrame(loop);
}

// ---- drawing -----------------------------------------------------------------------------

function blocColour(b) {
  return b < 0 ? '#BBBBBB' : page.palette.blocs[b % page.palette.blocs.length];
}

// The colour of blocs beyond the palette, as the CLI's maps draw "other agreements".
const OTHER_BLOC = '#6B5B4B';

// A bloc keeps its colour while it lives, and a new bloc takes the first palette colour that
// no live bloc holds; when all twelve are held, it is drawn in OTHER_BLOC until one frees up.
// So no two blocs ever share a palette colour. (The CLI's maps colour by rank, which in a
// live view would make colours jump between ticks.)
function assignColours(frame, memo) {
  const n = page.palette.blocs.length;
  const live = new Set(frame.blocs.map((b) => b.id));
  for (const [id, k] of [...memo]) if (!live.has(id) || k < 0) memo.delete(id);
  const used = new Set(memo.values());
  for (const b of frame.blocs) {
    if (memo.has(b.id)) continue;
    let k = 0;
    while (k < n && used.has(k)) k++;
    memo.set(b.id, k < n ? k : -1);
    used.add(k);
  }
  frame.colour = (id) => {
    if (id < 0) return blocColour(id);
    const k = memo.get(id);
    return k === undefined || k < 0 ? OTHER_BLOC : page.palette.blocs[k];
  };
}

function classColour(name) {
  const c = page.palette.classes.find((x) => x.class === name);
  return c ? c.colour : '#333333';
}

function project(canvas) {
  const L = page.layout;
  const pad = 24;
  const w = canvas.width - 2 * pad;
  const h = canvas.height - 2 * pad;
  if (L.map === 'lonlat') {
    // Equirectangular, latitudes 60°S..80°N: where the capitals are.
    return (i) => [pad + (L.x[i] + 180) / 360 * w, pad + (80 - L.y[i]) / 140 * h];
  }
  const s = Math.min(w, h);
  const ox = pad + (w - s) / 2;
  return (i) => [ox + L.x[i] * s, pad + (1 - L.y[i]) * s];
}

function radii(frame, canvas) {
  const total = frame.gdp.reduce((a, b) => a + b, 0);
  const scale = Math.min(canvas.width, canvas.height) * (page.layout.map === 'lonlat' ? 0.22 : 0.16);
  return frame.gdp.map((g) => Math.max(2.2, Math.sqrt(g / total) * scale));
}

function drawWorld(canvas, frame) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!frame) return;
  const at = project(canvas);
  const r = radii(frame, canvas);
  ctx.lineWidth = 1;
  const L = frame.links;
  for (let k = 0; k < L.length; k += 3) {
    const [x1, y1] = at(L[k]);
    const [x2, y2] = at(L[k + 1]);
    ctx.strokeStyle = frame.colour(L[k + 2]);
    ctx.globalAlpha = 0.4;
    ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
  }
  ctx.globalAlpha = 1;
  // Small countries last, so that they stay visible on top of large ones.
  const order = frame.gdp.map((g, i) => i).sort((a, b) => frame.gdp[b] - frame.gdp[a]);
  for (const i of order) {
    const [x, y] = at(i);
    const c = frame.colour(frame.bloc[i]);
    ctx.beginPath();
    ctx.arc(x, y, r[i], 0, 2 * Math.PI);
    if (frame.in_m[i]) {
      ctx.fillStyle = c; ctx.fill();
      ctx.strokeStyle = '#222'; ctx.lineWidth = 0.8; ctx.stroke();
    } else {
      ctx.fillStyle = '#fff'; ctx.fill();
      ctx.strokeStyle = c === '#BBBBBB' ? '#666' : c; ctx.lineWidth = 3; ctx.stroke();
    }
    if (i === page.selected) {
      ctx.strokeStyle = '#000'; ctx.lineWidth = 2.5;
      ctx.beginPath(); ctx.arc(x, y, r[i] + 4, 0, 2 * Math.PI); ctx.stroke();
    }
  }
}

function drawChart(canvas, key, lo, hi) {
  // Drawn at the size shown, so that the labels stay readable on a projector and a phone.
  const dpr = window.devicePixelRatio || 1;
  const cw = Math.max(120, Math.round(canvas.clientWidth * dpr));
  if (canvas.width !== cw) { canvas.width = cw; canvas.height = Math.round(cw * 0.42); }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const w = canvas.width / dpr, h = canvas.height / dpr, pad = 4, left = 32, bottom = 14;
  ctx.clearRect(0, 0, w, h);
  const all = page.series.concat(page.seriesB);
  const maxT = Math.max(20, ...all.map((p) => p.tick));
  let top = hi;
  if (top === null) top = Math.max(1e-9, ...all.map((p) => p[key])) * 1.1;
  const X = (t) => left + (t / maxT) * (w - left - pad);
  const Y = (v) => pad + (1 - (v - lo) / (top - lo)) * (h - pad - bottom);
  ctx.strokeStyle = '#ddd'; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(left, Y(lo)); ctx.lineTo(w - pad, Y(lo)); ctx.moveTo(left, Y(top)); ctx.lineTo(w - pad, Y(top)); ctx.stroke();
  ctx.fillStyle = '#444'; ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.fillText(fmt(top), left - 3, Y(top) + 10);
  ctx.fillText(fmt(lo), left - 3, Y(lo));
  ctx.textAlign = 'left';
  ctx.fillText('tick ' + maxT, w - 52, h - 2);
  const line = (pts, dash) => {
    if (!pts.length) return;
    ctx.setLineDash(dash); ctx.strokeStyle = '#222'; ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(X(p.tick), Y(p[key])) : ctx.moveTo(X(p.tick), Y(p[key]))));
    ctx.stroke(); ctx.setLineDash([]);
  };
  line(page.series, []);
  line(page.seriesB, [5, 4]);
}

function fmt(v) {
  if (!isFinite(v)) return '—';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function buildCharts() {
  const box = $('charts');
  for (const [key, caption] of CHARTS) {
    const fig = document.createElement('figure');
    const cap = document.createElement('figcaption');
    cap.textContent = caption;
    const c = document.createElement('canvas');
    c.width = 300; c.height = 120; c.id = 'chart-' + key;
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', caption + ' by tick');
    fig.append(cap, c);
    box.append(fig);
  }
}

function draw() {
  const f = page.frame;
  if (!f) return;
  page.drawn = (page.drawn || 0) + 1;
  drawWorld($('world'), f);
  if (page.appB) drawWorld($('world-b'), page.frameB);
  for (const [key, , lo, hi] of CHARTS) drawChart($('chart-' + key), key, lo, hi);
  $('tick').textContent = 'tick ' + f.tick;
  const badge = $('outcome');
  badge.textContent = f.outcome;
  badge.style.background = classColour(f.outcome);
  badge.title = 'The outcome class of the current state';
  $('stopped').textContent = f.stopped ? 'stopped: ' + f.stopped : '';
  const legend = $('legend');
  legend.textContent = '';
  for (const b of f.blocs.slice(0, 24)) {
    const s = document.createElement('span');
    s.style.setProperty('--c', f.colour(b.id));
    s.textContent = `${b.name} (${b.kind}, ${b.members})`;
    legend.append(s);
  }
  if (f.blocs.length > 24) legend.append(`… and ${f.blocs.length - 24} more`);
  if (page.appB) drawCompareTable();
  const shocks = JSON.parse(page.app.shocks());
  const ul = $('shock-list');
  ul.textContent = '';
  for (const s of shocks) { const li = document.createElement('li'); li.textContent = s; ul.append(li); }
}

// ---- hover and selection -------------------------------------------------------------------

function nearest(canvas, ev) {
  const rect = canvas.getBoundingClientRect();
  const x = (ev.clientX - rect.left) * canvas.width / rect.width;
  const y = (ev.clientY - rect.top) * canvas.height / rect.height;
  const at = project(canvas);
  const r = radii(page.frame, canvas);
  let best = -1, bestD = Infinity;
  for (let i = 0; i < page.layout.x.length; i++) {
    const [cx, cy] = at(i);
    const d = Math.hypot(cx - x, cy - y) - r[i];
    if (d < bestD) { bestD = d; best = i; }
  }
  return bestD <= 8 ? best : -1;
}

function countryHtml(i) {
  const c = JSON.parse(page.app.country(i));
  const rows = c.terms.map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${v.toFixed(4)}</td></tr>`).join('');
  return `<strong>${esc(c.name)}</strong> (${esc(c.iso3)}, region ${c.region})<br>` +
    `${(100 * c.gdp_share).toFixed(1)} % of world GDP · ${c.in_m ? 'in M' : 'outside M'}` +
    `${c.locked ? ' (locked out)' : ''}${c.wall !== null ? ` · tariff wall ${c.wall}` : ''}<br>` +
    `Agreements: ${c.agreements.length ? c.agreements.map(esc).join(', ') : 'none'}<table>${rows}</table>`;
}

function showCountry(i, ev) {
  const tip = $('tooltip');
  if (i < 0) { tip.hidden = true; return; }
  tip.innerHTML = countryHtml(i);
  const wrap = $('world').parentElement.getBoundingClientRect();
  tip.style.left = Math.min(ev.clientX - wrap.left + 12, wrap.width - 290) + 'px';
  tip.style.top = (ev.clientY - wrap.top + 12) + 'px';
  tip.hidden = false;
}

function fillCountries() {
  const sel = $('shock-country');
  const keep = sel.value;
  sel.textContent = '';
  const L = page.layout;
  const ids = L.name.map((_, i) => i).sort((a, b) => L.name[a].localeCompare(L.name[b]));
  for (const i of ids) sel.add(new Option(`${L.name[i]} (${L.iso3[i]})`, String(i)));
  if (keep && +keep < L.name.length) sel.value = keep;
}

// ---- shocks, export, import -------------------------------------------------------------

function applyShock() {
  const i = +$('shock-country').value;
  const kind = $('shock-kind').value;
  const value = +$('shock-value').value;
  guard(() => {
    try {
      page.app.shock(i, kind, value);
      $('error').hidden = true;
    } catch (e) {
      showError(e.message);
    }
  });
  // The world was rebuilt up to the current tick: its history is unchanged.
  pull();
  draw();
}

function exportScenario() {
  const text = page.app.export_ron();
  const blob = new Blob([text], { type: 'text/plain' });
  const a = document.createElement('a');
  const name = (page.origin.split('/').pop() || 'scenario.ron').replace(/\.ron$/, '');
  a.href = URL.createObjectURL(blob);
  a.download = `${name}-tick${page.frame.tick}.ron`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function importScenario(file) {
  const text = await file.text();
  guard(() => {
    let app;
    try {
      app = new (W().App)(text, file.name);
    } catch (e) {
      showError(e.message);
      return;
    }
    $('error').hidden = true;
    $('panel-lesson').innerHTML = `<p>Imported <code>${esc(file.name)}</code>.</p>`;
    open(app, file.name);
  });
}

// ---- compare ------------------------------------------------------------------------------

function suggestCompareValue() {
  const c = (page.controls || []).find((x) => x.name === $('compare-control').value);
  if (!c) return;
  const w = c.widget;
  let v = c.value;
  if (w.type === 'select') v = w.options.find((o) => o !== c.value) || c.value;
  else if (w.type === 'toggle') v = String(!c.value);
  else if (w.type === 'slider') v = +c.value + w.step * 5 <= w.max ? +(+c.value + w.step * 5).toFixed(6) : w.min;
  else v = +c.value + 1;
  $('compare-value').value = String(v);
}

function startCompare(name, value) {
  guard(() => {
    try {
      const b = new (W().App)(page.app.export_ron(), page.origin);
      b.set_control(name, value);
      if (page.appB) page.appB.free();
      page.appB = b;
      page.compare = { name, value };
      $('error').hidden = true;
    } catch (e) {
      showError(e.message);
      return;
    }
    page.app.reset();
    $('world-b').hidden = false;
    $('world').parentElement.classList.add('split');
    restart();
  });
}

function stopCompare() {
  if (page.appB) page.appB.free();
  page.appB = null;
  page.frameB = null;
  page.compare = null;
  page.seriesB = [];
  $('world-b').hidden = true;
  $('world').parentElement.classList.remove('split');
  $('compare-table').textContent = '';
}

function drawCompareTable() {
  const a = page.frame, b = page.frameB;
  const label = (page.controls.find((c) => c.name === page.compare.name) || {}).label;
  const rows = [['outcome', a.outcome, b.outcome], ['tick', a.tick, b.tick]];
  for (const [key] of CHARTS) rows.push([key, fmt(a.metrics[key]), fmt(b.metrics[key])]);
  $('compare-table').innerHTML = `<tr><th></th><th>this world (left)</th><th>${esc(label)} = ${esc(page.compare.value)} (right)</th></tr>` +
    rows.map((r) => `<tr><td>${r[0]}</td><td>${esc(String(r[1]))}</td><td>${esc(String(r[2]))}</td></tr>`).join('');
}

// ---- ensemble (Web Workers) ---------------------------------------------------------------

page.runEnsemble = (worlds) => runEnsemble(worlds);
page.selftestPanic = () => guard(() => W().selftest_panic());

function runEnsemble(worlds = 100) {
  const text = page.app.export_ron();
  const origin = page.origin;
  const n = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2)));
  const chunk = Math.ceil(worlds / n);
  const src = URL.createObjectURL(new Blob([page.glue, '\n', page.workerSrc], { type: 'text/javascript' }));
  const briefs = [];
  let done = 0, running = 0;
  const t0 = performance.now();
  $('ensemble-run').disabled = true;
  $('ensemble-status').textContent = `running ${worlds} worlds on ${n} worker${n > 1 ? 's' : ''}…`;
  return new Promise((resolve) => {
    for (let k = 0; k < n; k++) {
      const from = k * chunk, to = Math.min(worlds, from + chunk);
      if (from >= to) continue;
      running++;
      const w = new Worker(src);
      w.onmessage = (ev) => {
        const m = ev.data;
        if (m.error) {
          showError(m.error);
        } else {
          briefs.push(...JSON.parse(m.briefs));
          done += m.count;
          $('ensemble-progress').value = 100 * done / worlds;
          if (!m.last) return;
        }
        w.terminate();
        if (--running === 0) {
          URL.revokeObjectURL(src);
          const ms = performance.now() - t0;
          const summary = JSON.parse(W().ensemble_summary(JSON.stringify(briefs)));
          page.ensemble = { summary, ms };
          drawEnsemble(summary);
          $('ensemble-status').textContent = `${summary.worlds} worlds in ${(ms / 1000).toFixed(2)} s; median stop tick ${summary.median_stop}`;
          $('ensemble-run').disabled = false;
          resolve(page.ensemble);
        }
      };
      w.postMessage({ module: page.module, text, origin, from, to });
    }
  });
}

function drawEnsemble(s) {
  let c = $('ensemble-classes'), ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.font = '13px system-ui, sans-serif';
  const left = 130, right = 20, rowH = (c.height - 20) / s.classes.length;
  const X = (v) => left + v * (c.width - left - right);
  s.classes.forEach((k, j) => {
    const y = 10 + j * rowH;
    ctx.fillStyle = '#222'; ctx.textAlign = 'right';
    ctx.fillText(k.class, left - 6, y + rowH * 0.6);
    ctx.fillStyle = classColour(k.class);
    ctx.fillRect(X(0), y + 4, X(k.share) - X(0), rowH - 8);
    ctx.strokeStyle = '#222'; ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(X(k.lo), y + rowH / 2); ctx.lineTo(X(k.hi), y + rowH / 2);
    ctx.moveTo(X(k.lo), y + 6); ctx.lineTo(X(k.lo), y + rowH - 6);
    ctx.moveTo(X(k.hi), y + 6); ctx.lineTo(X(k.hi), y + rowH - 6);
    ctx.stroke();
    ctx.fillStyle = '#222'; ctx.textAlign = 'left';
    ctx.fillText(`${k.count} (${(100 * k.share).toFixed(0)} %)`, Math.min(X(k.hi) + 6, c.width - 70), y + rowH * 0.6);
  });
  c = $('ensemble-band'); ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  const colours = { m_share: '#0072B2', coverage: '#E69F00', free_share: '#009E73' };
  const T = s.bands[0].median.length - 1;
  const bx = (t) => 40 + t / Math.max(1, T) * (c.width - 50);
  const by = (v) => 10 + (1 - v) * (c.height - 40);
  ctx.font = '12px system-ui, sans-serif'; ctx.fillStyle = '#444';
  ctx.fillText('1', 24, by(1) + 4); ctx.fillText('0', 24, by(0) + 4); ctx.fillText('tick ' + T, c.width - 60, c.height - 8);
  s.bands.forEach((b, j) => {
    ctx.fillStyle = colours[b.metric]; ctx.globalAlpha = 0.2;
    ctx.beginPath();
    b.hi.forEach((v, t) => (t ? ctx.lineTo(bx(t), by(v)) : ctx.moveTo(bx(t), by(v))));
    for (let t = T; t >= 0; t--) ctx.lineTo(bx(t), by(b.lo[t]));
    ctx.fill(); ctx.globalAlpha = 1;
    ctx.strokeStyle = colours[b.metric]; ctx.lineWidth = 2;
    ctx.beginPath();
    b.median.forEach((v, t) => (t ? ctx.lineTo(bx(t), by(v)) : ctx.moveTo(bx(t), by(v))));
    ctx.stroke();
    ctx.fillStyle = colours[b.metric];
    ctx.fillText(b.metric + ' (median, 10–90 %)', 50 + j * 170, c.height - 24);
  });
}

// ---- lessons text --------------------------------------------------------------------------

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

/// Headings, paragraphs, bullet lists, **bold**, *italic* and `code`: all the lessons use.
function markdown(md) {
  const inline = (s) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/\*([^*]+)\*/g, '<em>$1</em>');
  let html = '', list = false;
  for (const block of md.split(/\n\s*\n/)) {
    for (const line of block.split('\n')) {
      if (/^- /.test(line)) {
        if (!list) { html += '<ul>'; list = true; }
        html += `<li>${inline(line.slice(2))}</li>`;
        continue;
      }
      if (list) { html += '</ul>'; list = false; }
      const h = line.match(/^(#+) (.*)/);
      if (h) html += `<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`;
      else if (line.trim()) html += `<p>${inline(line)}</p>`;
    }
    if (list) { html += '</ul>'; list = false; }
  }
  return html;
}

// ---- wiring ---------------------------------------------------------------------------------

function selectTab(id) {
  for (const t of document.querySelectorAll('[role=tab]')) {
    const on = t.id === id;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !on;
  }
}

function wire() {
  $('play').onclick = togglePlay;
  $('step').onclick = stepOnce;
  $('reset').onclick = () => { guard(() => { page.app.reset(); if (page.appB) page.appB.reset(); }); restart(); };
  const speedLabel = () => { $('speed-label').textContent = SPEEDS[+$('speed').value - 1][1]; };
  $('speed').oninput = speedLabel;
  speedLabel();
  $('preset').onchange = () => openPreset($('preset').value);
  $('export-btn').onclick = exportScenario;
  $('import-btn').onclick = () => $('import-file').click();
  $('import-file').onchange = (e) => { const f = e.target.files[0]; if (f) importScenario(f); e.target.value = ''; };
  $('error-close').onclick = () => { $('error').hidden = true; };
  $('shock-apply').onclick = applyShock;
  // The keyboard's way to a country: pick it in the menu, read its memberships and payoffs.
  $('shock-country').onchange = () => {
    page.selected = +$('shock-country').value;
    $('country-info').innerHTML = countryHtml(page.selected);
    draw();
  };
  $('shock-clear').onclick = () => { guard(() => page.app.clear_shocks()); restart(); };
  $('shock-kind').onchange = () => {
    const k = $('shock-kind').value;
    $('shock-value').disabled = k === 'exit_m' || k === 'lock';
    $('shock-value').value = k === 'gdp' ? '1.5' : '0.3';
  };
  $('compare-control').onchange = suggestCompareValue;
  $('compare-start').onclick = () => startCompare($('compare-control').value, $('compare-value').value);
  $('compare-stop').onclick = () => { stopCompare(); draw(); };
  $('ensemble-run').onclick = () => runEnsemble(100);
  for (const t of document.querySelectorAll('[role=tab]')) {
    t.onclick = () => selectTab(t.id);
    t.onkeydown = (e) => {
      const tabs = [...document.querySelectorAll('[role=tab]')];
      const i = tabs.indexOf(t);
      const j = e.key === 'ArrowRight' ? (i + 1) % tabs.length : e.key === 'ArrowLeft' ? (i + tabs.length - 1) % tabs.length : -1;
      if (j >= 0) { selectTab(tabs[j].id); tabs[j].focus(); e.preventDefault(); }
    };
  }
  const world = $('world');
  world.addEventListener('mousemove', (ev) => showCountry(nearest(world, ev), ev));
  world.addEventListener('mouseleave', () => { $('tooltip').hidden = true; });
  world.addEventListener('click', (ev) => {
    const i = nearest(world, ev);
    page.selected = i;
    if (i >= 0) { $('shock-country').value = String(i); showCountry(i, ev); }
    draw();
  });
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.tagName === 'BUTTON') && e.key !== 'Escape') return;
    if (e.key === ' ') { togglePlay(); e.preventDefault(); }
    else if (e.key === 's' || e.key === 'S') stepOnce();
    else if (e.key === 'r' || e.key === 'R') $('reset').click();
    else if (e.key === 'Escape') $('tooltip').hidden = true;
  });
}

async function main() {
  try {
    await loadModule();
  } catch (e) {
    showPanic('The WebAssembly module could not be loaded: ' + e.message +
      (location.protocol === 'file:' ? '\nFrom a file, open blocs-classroom.html (the single-file page) instead.' : ''));
    return;
  }
  page.palette = JSON.parse(W().palette());
  page.presets = JSON.parse(W().presets());
  for (const p of page.presets) $('preset').add(new Option(p.title, p.name));
  buildCharts();
  wire();
  openPreset('default');
  requestAnimationFrame(loop);
  document.body.dataset.ready = 'true';
}

main();
