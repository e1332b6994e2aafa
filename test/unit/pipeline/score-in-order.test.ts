import { MemoryStateStore } from '../../../shared/adapters/memory-state-store';
import type { ReadingEnvelope } from '../../../shared/domain/sensor-rules';
import { validateReading } from '../../../shared/kinds/reading';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { RetryableError } from '../../../shared/errors';
import { READINGS } from '../../../shared/kinds/reading';
import type { ScoringKind } from '../../../shared/pipeline/score-batch';
import type { OrderedRecord } from '../../../shared/pipeline/score-in-order';
import { scoreInOrder } from '../../../shared/pipeline/score-in-order';
import type { Effects } from '../../../shared/state/store';
import { CommitMode } from '../../../shared/state/store';

/**
 * Events and control records in one batch are applied in stream order, and nothing passes a record
 * that failed: the same records give the same transitions however Lambda cuts them into batches.
 */
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const KIND = READINGS.scoring(DEFAULT_RULES.readings) as unknown as ScoringKind<ReadingEnvelope, unknown, unknown>;

function hot(offset: number): OrderedRecord<ReadingEnvelope> {
  const v = validateReading({ deviceId: 'sensor-1', temperature: 95, timestamp: T0 + offset });
  if (!v.ok) throw new Error(v.reason);
  return { type: 'event', item: { recordId: `e${offset}`, envelope: { ...v.value, arrival: T0 + offset } } };
}

function control(offset: number): OrderedRecord<ReadingEnvelope> {
  return { type: 'control', item: { recordId: `c${offset}`, entity: 'sensor-1', arrival: T0 + offset } };
}

async function transitionsOf(batches: ReadonlyArray<ReadonlyArray<OrderedRecord<ReadingEnvelope>>>, store = new MemoryStateStore()) {
  const seen: string[] = [];
  for (const batch of batches) {
    const scoring = await scoreInOrder(batch, KIND, { store, commitMode: CommitMode.singleWriter, now: () => T0 });
    seen.push(...scoring.notifications.map((n) => `${n.incident?.transition}:${n.incident?.events}`));
  }
  return seen;
}

describe('a batch of events and control records, in stream order', () => {
  it('gives the same transitions however the records are cut into batches', async () => {
    // A hot reading, silence past the quiet period (a control record), then a hot reading again.
    const records = [hot(0), control(11 * MINUTE), hot(11 * MINUTE + 5_000)];

    const together = await transitionsOf([records]);
    const apart = await transitionsOf(records.map((r) => [r]));

    expect(apart).toEqual(['opened:1', 'resolved:1', 'opened:1']);
    expect(together).toEqual(apart);
  });

  it('applies no control record after an event that failed, and reports it failed too', async () => {
    const store = new (class extends MemoryStateStore {
      failures = 1;
      override async writeEffects(effects: Effects): Promise<void> {
        if (effects.records.some((r) => r.eventId.includes('T12:11:05')) && this.failures-- > 0) throw new RetryableError('throttled');
        return super.writeEffects(effects);
      }
    })();
    await transitionsOf([[hot(0)]], store);

    const scoring = await scoreInOrder([hot(11 * MINUTE + 5_000), control(12 * MINUTE)], KIND, {
      store,
      commitMode: CommitMode.singleWriter,
      now: () => T0,
    });

    // The event failed: the control record after it is not applied (it would resolve what the event keeps open).
    expect(scoring.outcomes.map((o) => o.status)).toEqual(['failed']);
    expect(scoring.failedControls).toEqual(['c720000']);
    expect(scoring.notifications).toEqual([]);
    // Delivered again, in order: the event keeps its incident open, and the control record finds nothing quiet.
    expect(await transitionsOf([[hot(11 * MINUTE + 5_000), control(12 * MINUTE)]], store)).toEqual([]);
  });
});
