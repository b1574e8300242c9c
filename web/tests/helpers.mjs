// Shared by the Node tests: the built module (web/dist), the CLI, and temporary folders.
import { readFileSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const web = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repo = join(web, '..');
export const dist = join(web, 'dist');

/// The wasm-bindgen glue and module, loaded the way the page's worker loads them.
export function loadModule() {
  const glue = readFileSync(join(dist, 'blocs_web.js'), 'utf8');
  const wb = vm.runInThisContext(`${glue}\n;wasm_bindgen`, { filename: 'blocs_web.js' });
  wb.initSync({ module: readFileSync(join(dist, 'blocs_web_bg.wasm')) });
  return wb;
}

/// The `blocs` binary: $BLOCS_BIN, else target/release/blocs (built if missing).
export function blocsBin() {
  const bin = process.env.BLOCS_BIN || join(repo, 'target', 'release', 'blocs');
  if (!existsSync(bin)) {
    execFileSync('cargo', ['build', '--release', '--bin', 'blocs'], { cwd: repo, stdio: 'inherit' });
  }
  return bin;
}

export function tmp(prefix = 'blocs-web-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/// Runs `blocs run FILE` on scenario text; returns the result files' text.
export function blocsRun(text, name = 'scenario.ron', extra = []) {
  const dir = tmp();
  const file = join(dir, name);
  writeFileSync(file, text);
  const out = join(dir, 'out');
  execFileSync(blocsBin(), ['run', file, '--out', out, '--quiet', '--no-plots', ...extra], { cwd: dir });
  const read = (f) => readFileSync(join(out, f), 'utf8');
  return { summary: read('summary.csv'), events: read('events.csv'), timeseries: read('timeseries.csv') };
}

/// `blocs check NAME` in a folder holding the text as NAME: exit code and stderr.
export function blocsCheck(text, name) {
  const dir = tmp();
  writeFileSync(join(dir, name), text);
  const r = spawnSync(blocsBin(), ['check', name], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/// The data rows of a CSV file (header dropped), without the trailing newline.
export function rows(csv) {
  return csv.trimEnd().split('\n').slice(1);
}

export function presetText(name) {
  const p = name.startsWith('e') && /^e\d\d_/.test(name)
    ? join(web, 'lessons', `${name}.ron`)
    : join(repo, 'configs', `${name}.ron`);
  return readFileSync(p, 'utf8');
}
