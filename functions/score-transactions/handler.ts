import { createScoringHandler } from '../../shared/handler/scoring-handler';
import { scoringDepsFromEnv } from '../../shared/handler/scoring-from-env';
import { TRANSACTIONS } from '../../shared/kinds/transaction';

const deps = scoringDepsFromEnv('score-transactions');

/** Kinesis `transactions` → risk score, action and reasons per transaction; decisions and alerts stored once. */
export const handler = createScoringHandler({ ...deps, kind: TRANSACTIONS });
