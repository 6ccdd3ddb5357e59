// Bundles the extension-host test suite (test/vscode) into dist-test/vscode: the mocha runner (index.js) and one
// CommonJS file per test file. `vscode` comes from the extension host and `mocha` from the repo's node_modules, so both
// stay external (one mocha instance shared by the runner and the test files).
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = 'test/vscode';
const OUT = 'dist-test/vscode';
const testFolders = [SOURCE, join(SOURCE, 'untrusted')];

const testFiles = testFolders
  .filter((folder) => existsSync(folder))
  .flatMap((folder) => readdirSync(folder).filter((name) => name.endsWith('.test.ts')).map((name) => join(folder, name)));

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: [join(SOURCE, 'index.ts'), ...testFiles],
  outdir: OUT,
  outbase: SOURCE,
  bundle: true,
  // As scripts/build.mjs: jsonc-parser's UMD build requires its parts at run time, which a bundle cannot resolve.
  mainFields: ['module', 'main'],
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`built ${testFiles.length} extension-host test files into ${OUT}`);
