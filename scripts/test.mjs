// `npm test`: type-check, lint, build, the real-VS-Code suites (extension host + UI), then every node:test file in
// one run, so the closing lines are that run's summary. Every stage runs; any failure fails the whole command.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const failures = [];

function stage(name, command, args) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) failures.push(`${name} (exit ${result.status ?? result.signal})`);
  return result.status === 0;
}

const testFiles = ['test/unit', 'test/parity']
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f)));

stage('type-check (extension, engine, tests)', 'npx', ['tsc', '--noEmit', '-p', '.']);
stage('type-check (webviews)', 'npx', ['tsc', '--noEmit', '-p', 'webview']);
stage('lint', 'npx', ['eslint', '.']);
if (stage('build', 'node', ['scripts/build.mjs'])) {
  stage('real VS Code: extension-host suites and UI tests', 'node', ['scripts/test-vscode.mjs', '--all', '--no-build']);
}
stage('unit and parity tests', 'node', ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...testFiles]);

if (failures.length > 0) {
  console.error(`\nnpm test failed: ${failures.join('; ')}`);
  process.exit(1);
}
