// Unit tests of the wasm API in Node: the module built by web/build.sh runs worlds, and
// they equal `blocs run` on the same scenario, seed and world index, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModule, blocsRun, blocsCheck, rows, presetText } from './helpers.mjs';

const wb = loadModule();

function runToEnd(app) {
  app.run_to_end();
  return { summary: app.summary_csv(), events: app.events_csv().split('\n') };
}

for (const name of ['default', 'hegemon_exit', 'walled_customs_unions', 'e09_public_goods', 'e10_domino']) {
  test(`preset ${name}: world 0 equals blocs run (events and summary, bit for bit)`, () => {
    const app = wb.App.preset(name);
    const page = runToEnd(app);
    // The preset's own text through the CLI, with one world.
    const cli = blocsRun(presetText(name), `${name}.ron`, ['--worlds', '1']);
    assert.equal(page.summary, rows(cli.summary)[0]);
    assert.deepEqual(page.events, rows(cli.events));
    app.free();
  });
}

test('world2025: world 0 equals blocs run', () => {
  const app = wb.App.preset('world2025');
  const page = runToEnd(app);
  const cli = blocsRun(presetText('world2025'), 'world2025.ron', ['--worlds', '1']);
  assert.equal(page.summary, rows(cli.summary)[0]);
  assert.deepEqual(page.events, rows(cli.events));
  app.free();
});

test('the exported scenario reproduces the page world with blocs run', () => {
  const app = wb.App.preset('default');
  app.set_control('new_rule', 'Open');
  app.set_control('supermajority_q', '0.6');
  app.set_control('seed', '7');
  const page = runToEnd(app);
  const ron = app.export_ron();
  assert.match(ron, /new_rule: Open/);
  assert.match(ron, /decision_rule: Supermajority\(0\.6\)/);
  assert.match(ron, /seed: 7,/);
  const cli = blocsRun(ron, 'export.ron');
  assert.equal(page.summary, rows(cli.summary)[0]);
  assert.deepEqual(page.events, rows(cli.events));
  app.free();
});

test('a shock applied mid-run becomes an event that blocs run replays exactly', () => {
  const app = wb.App.preset('default');
  app.step(12);
  const before = app.events_csv();
  app.shock(3, 'wall', 0.25);
  // The world was rebuilt up to tick 12 with the same history.
  assert.equal(app.tick(), 12);
  assert.equal(app.events_csv(), before);
  assert.deepEqual(JSON.parse(app.shocks()), ['TariffWall(tick:13,country:3,rate:0.25)']);
  app.step(1);
  assert.match(app.events_csv(), /\n0,13,3,C03,TariffWall,,event,0\.25(\n|$)/);
  const page = runToEnd(app);
  const cli = blocsRun(app.export_ron(), 'shocked.ron');
  assert.equal(page.summary, rows(cli.summary)[0]);
  assert.deepEqual(page.events, rows(cli.events));
  app.free();
});

test('controls go through validation: a refused value leaves the scenario as it was', () => {
  const app = wb.App.preset('default');
  const ron = app.export_ron();
  assert.throws(() => app.set_control('supermajority_q', '1.5'), /multilateral\.decision_rule/);
  assert.throws(() => app.set_control('activation_rate', '0'), /activation_rate: 0 is outside the allowed range \(0, 1\]/);
  assert.throws(() => app.set_control('countries', '2.5'), /whole number/);
  assert.throws(() => app.set_control('new_kind', 'Bloc'), /allowed: Fta, CustomsUnion/);
  assert.equal(app.export_ron(), ron);
  app.free();
});

test('importing broken RON gives the same located message as blocs check', () => {
  const cases = [
    ['typo.ron', '(\n    name: "x",\n    multilaterl: (t_m: 0.1),\n)\n'],
    ['bad.ron', '(\n    activation_rate: 2.0,\n    regional: (new_depth: -1.0),\n)\n'],
    ['syntax.ron', '(\n    name: "x"\n    seed: 3,\n)\n'],
  ];
  for (const [name, text] of cases) {
    let message = null;
    try {
      new wb.App(text, name);
    } catch (e) {
      message = e.message;
    }
    const cli = blocsCheck(text, name);
    assert.equal(cli.status, 2);
    assert.ok(message, `${name} must be refused`);
    assert.equal(`blocs: error: ${message}\n`, cli.stderr);
    assert.match(message, new RegExp(`^${name.replace('.', '\\.')}`));
  }
});

test('ensemble worlds equal blocs run --worlds 10, world by world', () => {
  const text = presetText('default');
  const briefs = JSON.parse(wb.ensemble_worlds(text, 'default.ron', 0, 10));
  const cli = rows(blocsRun(text, 'default.ron', ['--worlds', '10']).summary).map((r) => r.split(','));
  assert.deepEqual(briefs.map((b) => b.outcome), cli.map((r) => r[2]));
  assert.deepEqual(briefs.map((b) => b.stop_tick), cli.map((r) => +r[4]));
  const summary = JSON.parse(wb.ensemble_summary(JSON.stringify(briefs.reverse())));
  assert.equal(summary.worlds, 10);
  assert.equal(summary.classes.reduce((a, c) => a + c.count, 0), 10);
});

test('a panic inside wasm is a catchable trap with a readable message', () => {
  assert.throws(() => wb.selftest_panic(), WebAssembly.RuntimeError);
  assert.match(wb.last_panic(), /selftest: a deliberate panic/);
});
