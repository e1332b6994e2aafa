import { CommitMode } from '../../shared/state/store';
import { describeFaultSuite } from '../faults/describe-suite';
import { describeWhenEveryRecordFails } from '../faults/every-record-fails';
import { CaseName } from '../faults/suite';

/**
 * The short version of the fault suite (`npm run test:faults` runs the long one and writes
 * RELIABILITY.md): every record of a batch failing, then 300 events with every fault at once —
 * producer duplicates, poison, whole replays, bisects, retries from a record, DynamoDB throttling
 * and 5xx (some after the write), an outage, SIGKILLs — and a full replay under faults.
 */
describe('when every record of a batch fails', () => {
  describeWhenEveryRecordFails();
});

describeFaultSuite({ events: 300, seed: 1, commitMode: CommitMode.conditional, cases: [CaseName.combined], caseTimeoutMs: 300_000 });
