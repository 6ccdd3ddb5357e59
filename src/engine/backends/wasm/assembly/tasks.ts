/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { activationForwardTask } from './activation';
import { attentionBackwardTask, attentionForwardTask } from './attention';
import { crossEntropyBackwardTask, crossEntropyRowsTask, crossEntropySumTask } from './crossentropy';
import {
  addTask, axpyTask, dropoutForwardTask, embeddingBackwardTask, embeddingForwardTask, fillTask, globalNormTask, mulAccTask,
  scaleByElementTask, sliceBackwardTask, sliceForwardTask, sumOfSquaresTask,
} from './elementwise';
import { biasGradTask, gemmPackTask, gemmReduceTask, gemmTask } from './matmul';
import { layerNormBackwardReduceTask, layerNormBackwardRowsTask, layerNormForwardTask } from './layernorm';
import { adamTask, sgdTask } from './optimizer';

/** Task ids, exported so the JS side reads them from the module instead of repeating them. */
export const TASK_GEMM: i32 = 1;
export const TASK_BIAS_GRAD: i32 = 2;
export const TASK_LN_FWD: i32 = 3;
export const TASK_LN_BWD_ROWS: i32 = 4;
export const TASK_LN_BWD_REDUCE: i32 = 5;
export const TASK_ATTN_FWD: i32 = 6;
export const TASK_ATTN_BWD: i32 = 7;
export const TASK_CE_ROWS: i32 = 8;
export const TASK_CE_SUM: i32 = 9;
export const TASK_CE_BWD: i32 = 10;
export const TASK_ACT_FWD: i32 = 11;
export const TASK_ADD: i32 = 13;
export const TASK_AXPY: i32 = 14;
export const TASK_FILL: i32 = 15;
export const TASK_SLICE_FWD: i32 = 16;
export const TASK_SLICE_BWD: i32 = 17;
export const TASK_DROPOUT_FWD: i32 = 18;
export const TASK_MUL_ACC: i32 = 19;
export const TASK_EMBED_FWD: i32 = 20;
export const TASK_EMBED_BWD: i32 = 21;
export const TASK_SUM_SQUARES: i32 = 22;
export const TASK_GLOBAL_NORM: i32 = 23;
export const TASK_SCALE_BY_ELEMENT: i32 = 24;
export const TASK_ADAM: i32 = 25;
export const TASK_SGD: i32 = 26;
export const TASK_GEMM_PACK: i32 = 12;
export const TASK_GEMM_REDUCE: i32 = 27;

/** Runs thread `tid`'s share of a task (every task claims chunks until none are left). */
export function runTask(task: i32, tid: i32): void {
  switch (task) {
    case TASK_GEMM: gemmTask(tid); break;
    case TASK_BIAS_GRAD: biasGradTask(tid); break;
    case TASK_LN_FWD: layerNormForwardTask(tid); break;
    case TASK_LN_BWD_ROWS: layerNormBackwardRowsTask(tid); break;
    case TASK_LN_BWD_REDUCE: layerNormBackwardReduceTask(tid); break;
    case TASK_ATTN_FWD: attentionForwardTask(tid); break;
    case TASK_ATTN_BWD: attentionBackwardTask(tid); break;
    case TASK_CE_ROWS: crossEntropyRowsTask(tid); break;
    case TASK_CE_SUM: crossEntropySumTask(tid); break;
    case TASK_CE_BWD: crossEntropyBackwardTask(tid); break;
    case TASK_ACT_FWD: activationForwardTask(tid); break;
    case TASK_ADD: addTask(tid); break;
    case TASK_AXPY: axpyTask(tid); break;
    case TASK_FILL: fillTask(tid); break;
    case TASK_SLICE_FWD: sliceForwardTask(tid); break;
    case TASK_SLICE_BWD: sliceBackwardTask(tid); break;
    case TASK_DROPOUT_FWD: dropoutForwardTask(tid); break;
    case TASK_MUL_ACC: mulAccTask(tid); break;
    case TASK_EMBED_FWD: embeddingForwardTask(tid); break;
    case TASK_EMBED_BWD: embeddingBackwardTask(tid); break;
    case TASK_SUM_SQUARES: sumOfSquaresTask(tid); break;
    case TASK_GLOBAL_NORM: globalNormTask(tid); break;
    case TASK_SCALE_BY_ELEMENT: scaleByElementTask(tid); break;
    case TASK_ADAM: adamTask(tid); break;
    case TASK_SGD: sgdTask(tid); break;
    case TASK_GEMM_PACK: gemmPackTask(tid); break;
    case TASK_GEMM_REDUCE: gemmReduceTask(tid); break;
    default: unreachable();
  }
}
