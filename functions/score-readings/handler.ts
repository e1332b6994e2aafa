import { createScoringHandler } from '../../shared/handler/scoring-handler';
import { scoringDepsFromEnv } from '../../shared/handler/scoring-from-env';
import { READINGS } from '../../shared/kinds/reading';

const deps = scoringDepsFromEnv('score-readings');

/** Kinesis `readings` → ok / warning / critical per reading; window aggregates per device; alerts stored once. */
export const handler = createScoringHandler({ ...deps, kind: READINGS });
