/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
/** The module's exports: the dispatcher, the worker loop, the task ids and the scratch sizes JS needs. */
export { run, stop_workers, worker_loop } from './threads';
export * from './tasks';
export { gemm_thread_bytes, gemm_tile_rows, packed_bytes } from './matmul';
export { attention_scratch_bytes } from './attentionParts';
export { CTRL as CONTROL_BLOCK, INT_ARGS as INT_ARGS_OFFSET, FLOAT_ARGS as FLOAT_ARGS_OFFSET, CHUNKS_RUN as CHUNKS_RUN_OFFSET } from './control';
export { layer_norm_scratch_bytes } from './layernorm';
export { cross_entropy_scratch_bytes } from './crossentropy';
export { init_constants } from './vecmath';
