import { validateTransaction } from '../../shared/domain/events';
import { createScoringHandler } from '../../shared/handler/scoring-handler';
import { scoringDepsFromEnv } from '../../shared/handler/from-env';
import { transactionKind } from '../../shared/pipeline/kinds';

const deps = scoringDepsFromEnv('score-transactions');

/** Kinesis `transactions` → risk score, action and reasons per transaction; decisions and alerts stored once. */
export const handler = createScoringHandler({ ...deps, kind: transactionKind, validate: validateTransaction });
