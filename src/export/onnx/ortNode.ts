import { createRequire } from 'node:module';
import { UserError } from '../../node/configFile';
import type { OrtModule } from './onnxRunner';

/**
 * onnxruntime-web's wasm backend in Node (CLI and tests), on one thread. It is loaded from the installed package at
 * run time rather than bundled: its Node build finds its .wasm files beside itself, which a bundle such as
 * dist/cli.js would break.
 */
export function loadOrtForNode(): OrtModule {
  let ort: typeof import('onnxruntime-web');
  try {
    ort = createRequire(__filename)('onnxruntime-web') as typeof import('onnxruntime-web');
  } catch {
    throw new UserError('running an ONNX model needs the onnxruntime-web package: npm install onnxruntime-web');
  }
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}
