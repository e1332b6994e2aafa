import { validateReading } from '../../shared/domain/events';
import { createScoringHandler } from '../../shared/handler/scoring-handler';
import { scoringDepsFromEnv } from '../../shared/handler/from-env';
import { readingKind } from '../../shared/pipeline/kinds';

const deps = scoringDepsFromEnv('score-readings');

/** Kinesis `readings` → ok / warning / critical per reading; window aggregates per device; alerts stored once. */
export const handler = createScoringHandler({ ...deps, kind: readingKind, validate: validateReading });
