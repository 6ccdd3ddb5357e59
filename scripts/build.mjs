// One esbuild script builds every bundle: the CLI, the extension host code, the training worker and the webviews.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  mainFields: ['module', 'main'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  target: 'es2022',
  define: { LOSSLAB_VERSION: JSON.stringify(version) },
};
const node = { ...common, platform: 'node', format: 'cjs', external: ['vscode', 'webgpu'] };
const browser = { ...common, platform: 'browser', format: 'iife' };

const bundles = [
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  { ...browser, entryPoints: ['webview/dashboard/main.ts'], outfile: 'dist/webview/dashboard.js', loader: { '.css': 'css' } },
  { ...browser, entryPoints: ['webview/tryModel/main.ts'], outfile: 'dist/webview/tryModel.js', loader: { '.css': 'css' } },
  { ...browser, format: 'esm', entryPoints: ['webview/notebook/main.ts'], outfile: 'dist/webview/notebook.js' },
  { ...browser, entryPoints: ['webview/trainer/main.ts'], outfile: 'dist/webview/trainer.js' },
];

// The WebAssembly kernels compile first (AssemblyScript, from src/engine/backends/wasm/assembly): the bundles embed them.
const wasm = spawnSync(process.execPath, ['scripts/build-wasm.mjs'], { stdio: 'inherit' });
if (wasm.status !== 0) process.exit(wasm.status ?? 1);
await Promise.all(bundles.map((options) => build(options)));
mkdirSync('dist', { recursive: true });
copyFileSync('src/config/schema.json', 'dist/schema.json');
