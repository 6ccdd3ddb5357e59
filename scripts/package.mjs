// `npm run package [-- --target linux-x64]`: a platform-specific .vsix. The bundles carry every JavaScript
// dependency but two that must stay files beside their own assets: Dawn's native `webgpu` addon (staged for the target
// only) and onnxruntime-web's Node build with its .wasm and its one import, onnxruntime-common (the same everywhere).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** vsce target → the folder of node_modules/webgpu/dist holding that platform's dawn.node. */
const DAWN_FOLDER = {
  'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'win32-x64': 'win32-x64', 'win32-arm64': 'win32-arm64',
  'darwin-x64': 'darwin-universal', 'darwin-arm64': 'darwin-universal',
};
const hostTarget = `${process.platform}-${process.arch}`;
const { values } = parseArgs({ options: { target: { type: 'string', default: hostTarget } } });
const target = values.target;
if (!DAWN_FOLDER[target]) {
  console.error(`unknown target ${target}; expected one of ${Object.keys(DAWN_FOLDER).join(', ')}`);
  process.exit(2);
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

rmSync('dist', { recursive: true, force: true });
run('node', ['scripts/build.mjs', '--production']);
const source = join('node_modules', 'webgpu');
const staged = join('dist', 'node_modules', 'webgpu');
mkdirSync(join(staged, 'dist'), { recursive: true });
for (const file of ['package.json', 'index.js', 'LICENSE.md']) cpSync(join(source, file), join(staged, file));
const dawn = join(source, 'dist', DAWN_FOLDER[target]);
if (!existsSync(dawn)) {
  console.error(`node_modules/webgpu has no ${DAWN_FOLDER[target]} build`);
  process.exit(1);
}
cpSync(dawn, join(staged, 'dist', DAWN_FOLDER[target]), { recursive: true });
const ortSource = join('node_modules', 'onnxruntime-web');
const ortStaged = join('dist', 'node_modules', 'onnxruntime-web');
mkdirSync(join(ortStaged, 'dist'), { recursive: true });
for (const file of ['package.json', 'README.md', 'dist/ort.node.min.js', 'dist/ort.node.min.mjs', 'dist/ort-wasm-simd-threaded.mjs', 'dist/ort-wasm-simd-threaded.wasm']) {
  cpSync(join(ortSource, file), join(ortStaged, file));
}
cpSync(join('node_modules', 'onnxruntime-common'), join('dist', 'node_modules', 'onnxruntime-common'), { recursive: true });
run('npx', ['vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--target', target, '--out', `losslab-${target}.vsix`]);
