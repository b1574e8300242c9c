// End to end in a real browser: Debian's chromium driven by playwright-core. Serves
// web/dist over HTTP, walks through the page as a teacher would, compares with `blocs run`,
// and keeps a screenshot of every step in web/test-output/ (with the measured speeds in
// web/test-output/measurements.json).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync, writeFileSync, mkdirSync, statSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';
import { dist, web, blocsRun, blocsCheck, rows, presetText } from './helpers.mjs';

const shots = join(web, 'test-output');
mkdirSync(shots, { recursive: true });
const measured = {};
let server, base, browser, page;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };

before(async () => {
  server = http.createServer((req, res) => {
    const path = join(dist, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/$/, '/index.html'));
    if (!path.startsWith(dist) || !existsSync(path)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await openPage(`${base}/index.html`, { width: 1280, height: 720 });
});

after(async () => {
  writeFileSync(join(shots, 'measurements.json'), JSON.stringify(measured, null, 2) + '\n');
  await browser?.close();
  server?.close();
});

async function openPage(url, viewport) {
  const ctx = await browser.newContext({ viewport, acceptDownloads: true });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => { throw e; });
  await p.goto(url);
  await p.waitForSelector('body[data-ready=true]', { timeout: 60000 });
  return p;
}

const shot = (p, name) => p.screenshot({ path: join(shots, `${name}.png`) });

async function choosePreset(name) {
  await page.selectOption('#preset', name);
  await page.waitForFunction((n) => window.blocsPage.origin.includes(n), name);
}

async function playToEnd(p = page) {
  await p.$eval('#speed', (s) => { s.value = '6'; s.dispatchEvent(new Event('input')); });
  const t0 = await p.evaluate(() => performance.now());
  await p.click('#play');
  await p.waitForFunction(() => document.getElementById('stopped').textContent !== '', null, { timeout: 120000 });
  return (await p.evaluate(() => performance.now())) - t0;
}

async function exported(p = page) {
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('#export-btn')]);
  return readFileSync(await download.path(), 'utf8');
}

test('every preset loads with its lesson', async () => {
  await shot(page, '01-start-1280x720');
  const names = await page.$$eval('#preset option', (o) => o.map((x) => x.value));
  assert.equal(names.length, 16);
  for (const name of names) {
    await choosePreset(name);
    assert.equal(await page.textContent('#tick'), 'tick 0');
    assert.ok((await page.textContent('#panel-lesson h1')).length > 5, `${name} has a lesson title`);
    assert.match(await page.textContent('#panel-lesson'), /Try this/);
    assert.equal(await page.isHidden('#error'), true);
    await shot(page, `02-preset-${name}`);
  }
});

test('the default world plays to convergence and equals blocs run', async () => {
  await choosePreset('default');
  const ms = await playToEnd();
  measured.default_world_ms = Math.round(ms);
  const cli = rows(blocsRun(presetText('default'), 'default.ron', ['--worlds', '1']).summary)[0];
  const summary = await page.evaluate(() => window.blocsPage.app.summary_csv());
  assert.equal(summary, cli);
  assert.equal(await page.textContent('#outcome'), cli.split(',')[2]);
  assert.match(await page.textContent('#log'), /tick \d+: .* (joins|found|leaves)/);
  // No two live blocs in the legend share a palette colour; blocs beyond the twelve colours
  // are drawn as "other" (#6B5B4B), as on the CLI's maps.
  const swatches = await page.$$eval('#legend span', (spans) => spans.map((s) => s.style.getPropertyValue('--c')));
  assert.ok(swatches.length > 12, 'the default world ends with more blocs than colours');
  const palette = swatches.filter((c) => c !== '#6B5B4B');
  assert.equal(palette.length, 12);
  assert.equal(new Set(palette).size, palette.length);
  await shot(page, '03-default-converged');
});

test('a moved slider is carried by the exported RON', async () => {
  await choosePreset('default');
  await page.fill('#ctl-new_depth', '0.6');
  await page.waitForFunction(() => JSON.parse(window.blocsPage.app.controls()).find((c) => c.name === 'new_depth').value === 0.6);
  await page.selectOption('#ctl-decision_rule', 'Supermajority');
  const ron = await exported();
  assert.match(ron, /new_depth: 0\.6,/);
  assert.match(ron, /decision_rule: Supermajority\(0\.67\)/);
  await shot(page, '04-slider-moved');
});

test('a shock applied during the run, exported and run by blocs run, gives the same world', async () => {
  await choosePreset('default');
  for (let i = 0; i < 8; i++) await page.click('#step');
  await page.click('#tab-shocks');
  await page.selectOption('#shock-country', '0');
  // Keyboard users read a country's memberships and payoff terms here.
  assert.match(await page.textContent('#country-info'), /C00 \(C00, region 0\).*total U/s);
  await page.selectOption('#shock-kind', 'wall');
  await page.fill('#shock-value', '0.3');
  await page.click('#shock-apply');
  assert.match(await page.textContent('#shock-list'), /TariffWall\(tick:9,country:0,rate:0\.3\)/);
  await shot(page, '05-shock-scheduled');
  await playToEnd();
  assert.match(await page.textContent('#log'), /tick 9: shock: C00 walls its market with a tariff of 0\.3/);
  const ron = await exported();
  const cli = blocsRun(ron, 'shock.ron');
  assert.equal(await page.evaluate(() => window.blocsPage.app.summary_csv()), rows(cli.summary)[0]);
  assert.deepEqual((await page.evaluate(() => window.blocsPage.app.events_csv())).split('\n'), rows(cli.events));
  await shot(page, '06-shock-converged');
});

test('importing a broken RON shows the located error of blocs check', async () => {
  const text = '(\n    name: "broken",\n    regional: (new_rul: Open),\n)\n';
  await page.setInputFiles('#import-file', { name: 'broken.ron', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.waitForSelector('#error:not([hidden])');
  const shown = await page.textContent('#error-text');
  const cli = blocsCheck(text, 'broken.ron');
  assert.equal(cli.status, 2);
  assert.equal(`blocs: error: ${shown}\n`, cli.stderr);
  assert.match(shown, /^broken\.ron:3:\d+: unknown field `new_rul`/);
  await shot(page, '07-import-error');
  // A valid import replaces the world.
  await page.setInputFiles('#import-file', { name: 'mine.ron', mimeType: 'text/plain', buffer: Buffer.from('(name: "mine", seed: 5)') });
  await page.waitForFunction(() => window.blocsPage.origin === 'mine.ron');
});

test('compare runs two worlds side by side', async () => {
  await choosePreset('default');
  await page.click('#tab-compare');
  await page.selectOption('#compare-control', 'new_rule');
  await page.fill('#compare-value', 'Open');
  await page.click('#compare-start');
  await playToEnd();
  assert.equal(await page.isVisible('#world-b'), true);
  assert.match(await page.textContent('#compare-table'), /New agreements admit by = Open/);
  await shot(page, '08-compare');
  await page.click('#compare-stop');
});

test('the ensemble runs 100 worlds in a worker while the page stays responsive', async () => {
  await choosePreset('default');
  await page.click('#tab-ensemble');
  const t0 = Date.now();
  await page.click('#ensemble-run');
  // The main thread answers while the workers run.
  const answered = await page.evaluate(() => new Promise((r) => { const t = performance.now(); setTimeout(() => r(performance.now() - t), 0); }));
  assert.ok(answered < 500);
  await page.waitForFunction(() => /worlds in/.test(document.getElementById('ensemble-status').textContent), null, { timeout: 300000 });
  const e = await page.evaluate(() => window.blocsPage.ensemble);
  measured.ensemble_100_ms = Math.round(e.ms);
  measured.ensemble_wall_ms = Date.now() - t0;
  measured.ensemble_workers = await page.evaluate(() => Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)));
  assert.equal(e.summary.worlds, 100);
  const cli = rows(blocsRun(presetText('default'), 'default.ron', ['--worlds', '100']).summary);
  for (const k of e.summary.classes) {
    assert.equal(k.count, cli.filter((r) => r.split(',')[2] === k.class).length, k.class);
  }
  await shot(page, '09-ensemble');
  await page.locator('#panel-ensemble').screenshot({ path: join(shots, '09-ensemble-panel.png') });
});

test('world2025 map animates (frames per second measured while it runs)', async () => {
  await choosePreset('world2025');
  // One tick per frame: each frame steps the 198-country world once and redraws the map.
  await page.$eval('#speed', (s) => { s.value = '3'; s.dispatchEvent(new Event('input')); });
  await page.click('#play');
  // Frames drawn per second while the world runs (sampled once per frame, up to 0.5 s or
  // until it stops); how fast depends on the machine's load, so it is reported, not asserted.
  const fps = await page.evaluate(() => new Promise((resolve) => {
    const p = window.blocsPage;
    const d0 = p.drawn, t0 = performance.now();
    let d1 = d0, t1 = t0;
    const tick = () => {
      if (!p.app.stopped()) { d1 = p.drawn; t1 = performance.now(); }
      if (p.app.stopped() || t1 - t0 >= 500) resolve((d1 - d0) * 1000 / Math.max(1, t1 - t0));
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
  await page.evaluate(() => { if (window.blocsPage.playing) document.getElementById('play').click(); });
  measured.world2025_fps = Math.round(fps * 10) / 10;
  assert.ok(fps > 0);
  await page.mouse.move(0, 0);
  const box = await page.locator('#world').boundingBox();
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.35);
  await shot(page, '10-world2025');
});

test('keyboard: space plays, S steps, R resets', async () => {
  await choosePreset('default');
  await page.click('#tick');
  await page.keyboard.press('s');
  await page.keyboard.press('s');
  assert.equal(await page.textContent('#tick'), 'tick 2');
  await page.keyboard.press('r');
  assert.equal(await page.textContent('#tick'), 'tick 0');
});

test('phone viewport', async () => {
  const phone = await openPage(`${base}/index.html`, { width: 390, height: 844 });
  await shot(phone, '11-phone');
  await phone.context().close();
});

test('the single-file page works from file:// with no network, ensemble included', async () => {
  const file = join(dist, 'blocs-classroom.html');
  measured.single_file_bytes = statSync(file).size;
  measured.static_transfer_bytes = ['index.html', 'app.js', 'style.css', 'worker.js', 'blocs_web.js', 'blocs_web_bg.wasm']
    .reduce((a, f) => a + statSync(join(dist, f)).size, 0);
  measured.wasm_bytes = statSync(join(dist, 'blocs_web_bg.wasm')).size;
  const p = await openPage('file://' + file, { width: 1280, height: 720 });
  await p.route('**/*', (route) => (route.request().url().startsWith('file:') || route.request().url().startsWith('blob:') ? route.continue() : route.abort()));
  await playToEnd(p);
  const cli = rows(blocsRun(presetText('default'), 'default.ron', ['--worlds', '1']).summary)[0];
  assert.equal(await p.evaluate(() => window.blocsPage.app.summary_csv()), cli);
  await p.click('#tab-ensemble');
  await p.evaluate(() => window.blocsPage.runEnsemble(20));
  assert.match(await p.textContent('#ensemble-status'), /20 worlds in/);
  await shot(p, '12-single-file');
  await p.context().close();
});

test('a panic inside wasm shows a readable message instead of a frozen page', async () => {
  await page.evaluate(() => window.blocsPage.selftestPanic());
  await page.waitForSelector('#panic:not([hidden])');
  assert.match(await page.textContent('#panic'), /selftest: a deliberate panic/);
  // Still responsive: the tabs work.
  await page.click('#tab-lesson');
  assert.equal(await page.getAttribute('#tab-lesson', 'aria-selected'), 'true');
  await shot(page, '13-panic');
});
