// `npm test`: type-check, lint, then every test file in one node:test run (one summary at the end).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', shell: false });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const testFiles = ['test/unit', 'test/parity']
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f)));

run('npx', ['tsc', '--noEmit', '-p', '.']);
run('npx', ['tsc', '--noEmit', '-p', 'webview']);
run('npx', ['eslint', '.']);
run('node', ['scripts/build.mjs']);
run('node', ['--import', 'tsx', '--test', '--test-reporter=spec', ...testFiles]);
