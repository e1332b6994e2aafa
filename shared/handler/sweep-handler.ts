import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DueDigest } from '../adapters/dynamodb-budgets';
import { DUE_ROUNDING_SECONDS, KEY } from '../adapters/dynamodb-items';
import { dueKeys } from '../adapters/incidents-index';
import { controlRecord } from '../kinesis/control-records';
import type { Logger, Metrics } from '../observability/telemetry';
import { MetricName, MetricUnit } from '../observability/telemetry';

export interface SweepDeps {
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly stateTable: string;
  /**
   * The stream each entity type's events go to, by its type in the incidents index: its control
   * records go there too (an order's, whose join waits: `order`).
   */
  readonly streams: Readonly<Record<string, string>>;
  /** The budgeted subscribers' digests: found here once their window has ended, sent, then removed. */
  readonly digests: DigestPorts;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => number;
}

export interface DigestPorts {
  dueDigests(now: number): Promise<DueDigest[]>;
  /** Counts the digest against its subscriber's budget of `now`'s window: false when that window is full (it waits). */
  claim(digest: DueDigest, now: number): Promise<boolean>;
  publish(digest: DueDigest): Promise<void>;
  sent(digest: DueDigest): Promise<void>;
}

export interface SweepResult {
  /** Control records put, by entity type. */
  readonly nudged: Readonly<Record<string, number>>;
  /** Digests sent, the notifications in them, and digests that wait for a window with room. */
  readonly digests: { readonly sent: number; readonly notifications: number; readonly waiting: number };
}

const PUT_LIMIT = 500;
const PUT_ATTEMPTS = 4;

/**
 * The sweep: time passing for entities that send no events. Run on a schedule (EventBridge, every
 * minute; the local runtime honours the same schedule), it finds the entities whose incidents are
 * due (a reminder, or a quiet period over: the incidents index, dynamodb-items.ts), and the orders
 * whose join waits past its window (then unpaid, or an orphan payment), and puts a
 * control record into each one's stream, where its scorer, the entity's one writer, lets the time
 * pass. It writes no state itself, so the single-writer commits stay safe; a sweep that fails or
 * overlaps the next only puts a control record twice, which changes nothing the second time.
 * It also sends the budgeted subscribers' digests whose window has ended (budgets.ts).
 */
export async function sweep(deps: SweepDeps): Promise<SweepResult> {
  const now = (deps.now ?? Date.now)();
  // The index keeps due times rounded up to the minute: whatever is due by now is due by the
  // minute's end there. One looked at early finds time not yet passed and waits for the next sweep.
  const dueBy = Math.floor(now / 1000) + DUE_ROUNDING_SECONDS;
  const nudged: Record<string, number> = {};
  const failures: string[] = [];
  // Each type on its own: a throttled transactions stream must not keep the devices from being swept.
  for (const [type, stream] of Object.entries(deps.streams)) {
    nudged[type] = 0;
    try {
      const entities = await dueEntities(deps, type, dueBy);
      await putControlRecords(deps, stream, entities);
      nudged[type] = entities.length;
    } catch (error) {
      failures.push(`${type}s: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const digests = { sent: 0, notifications: 0, waiting: 0 };
  try {
    for (const digest of await deps.digests.dueDigests(now)) {
      // Each on its own: one that fails must not keep the others from their subscribers.
      try {
        // A digest is a message too: it takes a place in the window it is sent in, or waits for one with room.
        if (!(await deps.digests.claim(digest, now))) {
          digests.waiting++;
          continue;
        }
        // Sent, then removed: a crash between the two sends the same digest (same id) again.
        await deps.digests.publish(digest);
        await deps.digests.sent(digest);
        digests.sent++;
        digests.notifications += digest.held.length;
      } catch (error) {
        failures.push(`digest for ${digest.recipient}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } catch (error) {
    failures.push(`digests: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The next sweep finds what is still due; failing says so (an alarm on the function's errors).
  if (failures.length > 0) throw new Error(`incidents sweep incomplete: ${failures.join('; ')}`);
  return { nudged, digests };
}

async function dueEntities(deps: SweepDeps, type: string, dueBy: number): Promise<string[]> {
  // The entity is its key after the type's prefix (`device#sensor-17`).
  return (await dueKeys(deps.dynamodb, deps.stateTable, type, dueBy)).map((key) => String(key[KEY]?.S).slice(type.length + 1));
}

async function putControlRecords(deps: SweepDeps, stream: string, entities: readonly string[]): Promise<void> {
  for (let i = 0; i < entities.length; i += PUT_LIMIT) {
    let pending: PutRecordsRequestEntry[] = entities.slice(i, i + PUT_LIMIT).map((entity) => ({
      // Under the entity's id, as its events: the control record must reach the entity's one writer.
      PartitionKey: entity,
      Data: Buffer.from(JSON.stringify(controlRecord(entity))),
    }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const response = await deps.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      const failed = pending.filter((_, j) => response.Records?.[j]?.ErrorCode !== undefined);
      if (failed.length > 0 && attempt >= PUT_ATTEMPTS) {
        // The next sweep finds them due still.
        throw new Error(`${failed.length} control records not taken by ${stream} after ${attempt} attempts`);
      }
      pending = failed;
    }
  }
}

/** The scheduled function: one sweep per invocation, its counts logged and measured. */
export function createSweepHandler(deps: SweepDeps) {
  return middy<unknown, SweepResult>()
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .handler(async () => {
      const result = await sweep(deps);
      deps.metrics.addMetric(
        MetricName.incidentSweeps,
        MetricUnit.Count,
        Object.values(result.nudged).reduce((sum, n) => sum + n, 0),
      );
      deps.metrics.addMetric(MetricName.digestsSent, MetricUnit.Count, result.digests.sent);
      deps.logger.info('incidents swept', { nudged: result.nudged, digests: result.digests });
      return result;
    });
}
