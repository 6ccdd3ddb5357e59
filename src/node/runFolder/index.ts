// The run folder's one owner: every reader and writer of run.json, metrics.jsonl, grad_norms.jsonl, run.lock and
// checkpoints goes through these exports.
export { RunFolderError, checkResolvedConfig, type GradNormsRecord } from './checks';
export * from './checkpoints';
export { RUN_FILES, listRunIds, listRunIdsAsync, newRunId, runFile, runsFolder, runsFolderFor } from './layout';
export { RunLockedError, acquireLockFile, lockFileState, lockState, refuseIfLocked, type RunLock } from './lock';
export { readRunTokenizer, readRunVocabulary, writeRunTokenizer } from './tokenizerFile';
export { markRunFailed, type FailedRun } from './recovery';
export { RecordsTail, parseMetrics, type MetricsRecords } from './records';
export {
  loadGradNorms, loadRun, loadRunHistory, loadRunInfo, loadRunInfoIfPresent, readGradNorms, readMetrics, readRunInfo, readRunRecord, truncateRecords, type RunRecord, type StoredRun,
} from './reader';
export { RunWriter, claimNewRunFolder, claimRunFolder, refuseIfHoldsRun, writeFileAtomic, type ResumeRecord, type RunInfo, type StoredRunInfo } from './writer';
