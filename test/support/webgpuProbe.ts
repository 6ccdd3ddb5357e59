// Run as a child process by test/support/backends.ts: prints one JSON line saying whether a WebGPU adapter passes
// its self-test here (asynchronous work the synchronous backendsUnderTest() cannot do itself).
import { acquireWebGpu } from '../../src/engine/backends/webgpu';

acquireWebGpu({ allowFallback: true }).then(
  ({ backend, reason }) => {
    console.log(JSON.stringify({ available: backend !== null, reason }));
    backend?.destroy();
  },
  (error: unknown) => console.log(JSON.stringify({ available: false, reason: String(error) })),
);
