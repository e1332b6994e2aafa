import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { scoringDepsFromEnv } from '../shared/handler/scoring-from-env';
import { createScoringHandler } from '../shared/handler/scoring-handler';
import type { CommitMode } from '../shared/state/store';
import type { OurTables } from './tables';

/**
 * score-transactions wired as functions/score/handler.ts wires it (same factory, same
 * environment variables), with the bench's tables and commit mode.
 */
export function createOurHandler(tables: OurTables, commitMode: CommitMode, endpoint: string) {
  const deps = scoringDepsFromEnv(
    {
      ...process.env,
      EVENT_KIND: 'transaction',
      AWS_ENDPOINT_URL: endpoint,
      STATE_TABLE: tables.stateTable,
      ALERTS_TABLE: tables.alertsTable,
      QUARANTINE_QUEUE_URL: tables.quarantineQueueUrl,
      COMMIT_MODE: commitMode,
    },
    'score-transactions',
  );
  const handler: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> = createScoringHandler(deps);
  return { deps, handler };
}
