// One esbuild script builds every bundle: the CLI now; the extension, its worker and the webview join here.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const common = { bundle: true, mainFields: ['module', 'main'], sourcemap: true, logLevel: 'warning', target: 'es2022', define: { LOSSLAB_VERSION: JSON.stringify(version) } };

const bundles = [
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs' },
];

await Promise.all(bundles.map((options) => build({ ...common, ...options })));
if (watch) console.log('watch mode is not supported yet; rebuilt once');
