import { join } from 'node:path';
import { ROOT } from '../../local/deploy';
import type { CommitMode } from '../../shared/state/store';
import { describeFaultSuite } from './describe-suite';
import { describeWhenEveryRecordFails } from './every-record-fails';
import { machine, writeReliability } from './report';
import type { CaseResult } from './suite';
import { CaseName } from './suite';

/**
 * `npm run test:faults`: every fault on its own, then all together, with RISKSTREAM_FAULTS_EVENTS
 * events a case (default 2,000), seed RISKSTREAM_FAULTS_SEED (default 1), in the commit modes of
 * RISKSTREAM_FAULTS_MODES (default `conditional`; `conditional,single-writer` runs both). Writes the
 * ledger table to RELIABILITY.md.
 */
const events = Number(process.env['RISKSTREAM_FAULTS_EVENTS'] ?? 2_000);
const seed = Number(process.env['RISKSTREAM_FAULTS_SEED'] ?? 1);
const modes = (process.env['RISKSTREAM_FAULTS_MODES'] ?? 'conditional').split(',').map((m) => m.trim() as CommitMode);
const started = Date.now();
const ran: Array<{ commitMode: string; deploySeconds: number; results: readonly CaseResult[] }> = [];

describe('when every record of a batch fails', () => {
  describeWhenEveryRecordFails();
});

for (const commitMode of modes) {
  describeFaultSuite(
    { events, seed, commitMode, cases: Object.values(CaseName), caseTimeoutMs: 600_000, log: (line) => process.stdout.write(`${line}\n`) },
    (suite) => ran.push({ commitMode, deploySeconds: suite.deploySeconds, results: suite.results }),
  );
}

afterAll(() => {
  if (ran.some((r) => r.results.length > 0)) {
    writeReliability(join(ROOT, 'RELIABILITY.md'), {
      events,
      seed,
      modes: ran,
      seconds: (Date.now() - started) / 1000,
      machine: machine(),
    });
  }
});
