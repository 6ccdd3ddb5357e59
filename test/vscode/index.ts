// The extension-host test runner: VS Code calls run() when started with --extensionTestsPath pointing at the bundle of
// this file (the @vscode/test-electron contract, also honoured by code-server through the shim).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { stopLeftoverRuns } from './support/training';

/** One test's outcome in the JSON report that scripts/test-vscode.mjs prints. */
export interface TestOutcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

/** The JSON report written to $LOSSLAB_TEST_REPORT. */
export interface SuiteReport {
  suite: string;
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  tests: TestOutcome[];
}

export function run(): Promise<void> {
  // LOSSLAB_TEST_SUITE picks the folder: the default suite needs a trusted workspace, `untrusted` a restricted one.
  const suite = process.env.LOSSLAB_TEST_SUITE === 'untrusted' ? 'untrusted' : 'trusted';
  const folder = suite === 'untrusted' ? join(__dirname, 'untrusted') : __dirname;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.LOSSLAB_TEST_GREP) mocha.grep(process.env.LOSSLAB_TEST_GREP);
  // A test that fails midway can leave its run going; the tests after it must not inherit it.
  mocha.rootHooks({ afterEach: stopLeftoverRuns });
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.test.js')).sort()) mocha.addFile(join(folder, file));

  const tests: TestOutcome[] = [];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats;
      const report: SuiteReport = {
        suite,
        passes: stats?.passes ?? 0,
        failures,
        pending: stats?.pending ?? 0,
        durationMs: Date.now() - started,
        tests,
      };
      console.log(`losslab ${suite} suite: ${report.passes} passed, ${failures} failed, ${report.pending} pending`);
      if (process.env.LOSSLAB_TEST_REPORT) writeFileSync(process.env.LOSSLAB_TEST_REPORT, JSON.stringify(report, null, 1));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (test) => tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 }));
    runner.on('pending', (test) => tests.push({ title: test.fullTitle(), state: 'pending', durationMs: 0 }));
    runner.on('fail', (test, error: Error) => tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration ?? 0, error: error.message }));
  });
}
