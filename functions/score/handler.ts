import { createScoringHandler } from '../../shared/handler/scoring-handler';
import { scoringDepsFromEnv } from '../../shared/handler/scoring-from-env';

/**
 * Kinesis → each event of the kind named in EVENT_KIND judged (a transaction's risk score, action and
 * reasons; a reading's status); records and alerts stored once. Deployed once per kind
 * (score-transactions, score-readings: infra/constructs/scoring.ts).
 */
export const handler = createScoringHandler(scoringDepsFromEnv());
