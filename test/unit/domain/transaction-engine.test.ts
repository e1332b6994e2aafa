import type { EntityBatchResult } from '../../../shared/domain/entity-engine';
import { applyEntityBatch } from '../../../shared/domain/entity-engine';
import type { EntityState } from '../../../shared/domain/entity-state';
import { emptyState, recentIds } from '../../../shared/domain/entity-state';
import type { TransactionEnvelope } from '../../../shared/domain/fraud-rules';
import { validateTransaction } from '../../../shared/kinds/transaction';
import type { Decision } from '../../../shared/domain/fraud-rules';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import type { UserLast } from '../../../shared/domain/transaction-engine';
import { transactionModel } from '../../../shared/domain/transaction-engine';
import { compactId } from '../../../shared/domain/ids';

const MODEL = transactionModel(DEFAULT_RULES.transactions);
const SECOND = 1_000;
const MINUTE = 60_000;
/** 12:00 UTC: the start of a 30-second pane (windows are the last 5 minutes, read to the pane). */
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const W0 = String(T0);

type Result = EntityBatchResult<TransactionEnvelope, UserLast, Decision>;

/** A transaction of user-456 at T0 + offset (ms). */
function txn(id: string, offset: number, overrides: Record<string, unknown> = {}): TransactionEnvelope {
  const validation = validateTransaction({
    transactionId: id,
    userId: 'user-456',
    amount: 10,
    country: 'DE',
    timestamp: new Date(T0 + offset).toISOString(),
    ...overrides,
  });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

function apply(envelopes: readonly TransactionEnvelope[], state: EntityState<UserLast> = emptyState<UserLast>()): Result {
  return applyEntityBatch(MODEL, state, envelopes);
}

/** A state with its recent commits' ids as one sorted list: a batch applied in parts commits more often. */
function counted(state: EntityState<UserLast>): unknown {
  return { ...state, recent: [...recentIds(state)].sort() };
}

function statuses(result: Result): string[] {
  return result.outcomes.map((o) => `${o.envelope.id}:${o.status}`);
}

function decisionOf(result: Result, id: string): Decision {
  const outcome = result.outcomes.find((o) => o.envelope.id === id && o.status !== 'duplicate');
  if (!outcome || outcome.status === 'duplicate') throw new Error(`no decision for ${id}`);
  return outcome.result;
}

describe('transaction engine: the seed example', () => {
  it('holds the seed transaction for review and counts it in its window', () => {
    // Arrange
    const seed = txn('txn-123', 0, { amount: 2500 });

    // Act
    const result = apply([seed]);

    // Assert
    expect(statuses(result)).toEqual(['txn-123:applied']);
    expect(decisionOf(result, 'txn-123')).toMatchObject({ action: 'manual_review_required', riskScore: 0.6 });
    expect(result.changed).toBe(true);
    expect(result.state).toEqual({
      version: 0,
      watermark: T0,
      panes: { [W0]: { count: 1, sum: 2500, min: 2500, max: 2500 } },
      pane: 30 * SECOND,
      recent: { from: 1, ids: compactId('txn-123') },
      last: { country: 'DE', time: T0, seen: [['txn-123', T0]] },
      incidents: { fraud: expect.objectContaining({ cause: 'fraud', severity: 'warning', events: 1, openedAt: T0, worst: 2500 }) },
      // The sweep looks when the quiet period (5 minutes for users) has passed without a signal.
      incidentsDue: T0 + 5 * MINUTE,
    });
    expect(result.notifications.map((n) => n.summary)).toEqual(['Incident opened: fraud on user-456 (warning, 1 event)']);
    expect(result.alerts.map((a) => a.severity)).toEqual(['warning']);
  });
});

describe('transaction engine: idempotency', () => {
  const batch = [
    txn('a', 0, { amount: 2500 }),
    txn('b', 1 * MINUTE, { amount: 3 }),
    txn('c', 6 * MINUTE, { country: 'FR' }),
    txn('d', 2 * MINUTE, { amount: 40 }),
    txn('e', 9 * MINUTE, { merchantCategory: 'crypto' }),
  ];

  it('a batch applied twice: every event of the second run is a duplicate, nothing changes, no alerts', () => {
    // Arrange
    const first = apply(batch);

    // Act
    const second = apply(batch, first.state);

    // Assert
    expect(first.outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(second.outcomes.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(second.changed).toBe(false);
    expect(second.state).toEqual(first.state);
    expect(second.alerts).toEqual([]);
  });

  it('a batch split in two and applied in parts equals the batch applied whole', () => {
    // Arrange
    const whole = apply(batch);

    // Act
    const part1 = apply(batch.slice(0, 2));
    const part2 = apply(batch.slice(2), part1.state);

    // Assert
    expect(counted(part2.state)).toEqual(counted(whole.state));
    expect([...part1.outcomes, ...part2.outcomes]).toEqual(whole.outcomes);
    expect([...part1.alerts, ...part2.alerts]).toEqual(whole.alerts);
  });

  it('split anywhere (every cut point) equals whole, including a late and a duplicate event', () => {
    // Arrange
    const events = [...batch, txn('b', 1 * MINUTE, { amount: 3 }), txn('f', 20 * MINUTE), txn('g', 4 * MINUTE)];
    const whole = apply(events);

    // Act
    const splits = events.map((_, cut) => {
      const left = apply(events.slice(0, cut));
      const right = apply(events.slice(cut), left.state);
      return { state: counted(right.state), statuses: [...statuses(left), ...statuses(right)] };
    });

    // Assert
    expect(statuses(whole)).toEqual([
      'a:applied',
      'b:applied',
      'c:applied',
      'd:applied',
      'e:applied',
      'b:duplicate',
      'f:applied',
      'g:late',
    ]);
    for (const split of splits) expect(split).toEqual({ state: counted(whole.state), statuses: statuses(whole) });
  });

  it('counts a duplicate inside one batch once', () => {
    // Arrange
    const events = [txn('a', 0, { amount: 70 }), txn('a', 0, { amount: 70 }), txn('b', 10 * SECOND, { amount: 30 })];

    // Act
    const result = apply(events);

    // Assert
    expect(statuses(result)).toEqual(['a:applied', 'a:duplicate', 'b:applied']);
    expect(result.state.panes[W0]).toEqual({ count: 2, sum: 100, min: 30, max: 70 });
  });

  it('treats a resent id as a duplicate even when its content changed', () => {
    // Arrange
    const first = apply([txn('a', 0, { amount: 70 })]);

    // Act
    const second = apply([txn('a', 0, { amount: 5000 })], first.state);

    // Assert
    expect(statuses(second)).toEqual(['a:duplicate']);
    expect(second.state.panes[W0]?.sum).toBe(70);
  });
});

describe('transaction engine: the state given', () => {
  it('is never changed: the events apply to a copy, even when they add to its panes and close one', () => {
    // Arrange: a stored state with a pane at 12:00 and a last-seen country
    const stored = apply([txn('a', 0), txn('b', MINUTE, { country: 'FR' })]).state;
    const before = structuredClone(stored);

    // Act: one more event in the 12:00 pane, then one that closes it
    const result = apply([txn('c', 2 * MINUTE, { country: 'ES' }), txn('d', 20 * MINUTE)], stored);

    // Assert
    expect(stored).toEqual(before);
    expect(result.state.panes[W0]).toBeUndefined();
    expect(result.state.last?.country).toBe('DE');
    expect(result.state).not.toBe(stored);
  });

  it('keeps its panes as they were when the events add to them (the working copy owns copies of them)', () => {
    // Arrange: a stored pane at 12:00
    const stored = apply([txn('a', 0, { amount: 5 })]).state;
    const before = structuredClone(stored);

    // Act: two more events in the same pane
    const result = apply([txn('b', 1_000, { amount: 7 }), txn('c', 2_000, { amount: 1 })], stored);

    // Assert
    expect(stored).toEqual(before);
    expect(result.state.panes[W0]).toMatchObject({ count: 3, sum: 13, min: 1, max: 7 });
  });

  it('comes back as it is when nothing was applied', () => {
    // Arrange
    const stored = apply([txn('a', 0)]).state;

    // Act
    const result = apply([txn('a', 0)], stored);

    // Assert
    expect(result.changed).toBe(false);
    expect(result.state).toBe(stored);
  });
});

describe('transaction engine: event time, lateness and pruning', () => {
  it('counts an out-of-order event within the allowed lateness in its own pane', () => {
    // Arrange: the 12:02:00 pane ends 12:02:30 and takes events until 12:12:30
    const events = [txn('now', 10 * MINUTE), txn('earlier', 2 * MINUTE, { amount: 30 })];

    // Act
    const result = apply(events);

    // Assert
    expect(statuses(result)).toEqual(['now:applied', 'earlier:applied']);
    expect(result.state.panes[String(T0 + 2 * MINUTE)]).toEqual({ count: 1, sum: 30, min: 30, max: 30 });
    expect(result.state.panes[String(T0 + 10 * MINUTE)]?.count).toBe(1);
    expect(result.state.watermark).toBe(T0 + 10 * MINUTE);
  });

  it('still counts an event when the watermark is 1 ms short of pane end + allowed lateness', () => {
    // Arrange
    const state = apply([txn('now', 10 * MINUTE + 30 * SECOND - 1)]).state;

    // Act
    const result = apply([txn('old', 0)], state);

    // Assert
    expect(statuses(result)).toEqual(['old:applied']);
    expect(result.state.panes[W0]?.count).toBe(1);
  });

  it('reports an event after its pane closed as late: scored, marked late, not counted', () => {
    // Arrange: the watermark reaches 12:10:30 = pane end (12:00:30) + allowed lateness (10m)
    const state = apply([txn('now', 10 * MINUTE + 30 * SECOND)]).state;

    // Act
    const result = apply([txn('old', 0, { amount: 2500 })], state);

    // Assert
    expect(statuses(result)).toEqual(['old:late']);
    expect(decisionOf(result, 'old')).toMatchObject({ late: true, action: 'manual_review_required', reasons: [{ rule: 'largeAmount' }] });
    expect(result.changed).toBe(false);
    expect(result.state).toEqual(state);
    expect(result.state.panes[W0]).toBeUndefined();
  });

  it('treats a copy after an event that closed the first copy’s window as a duplicate, not as late', () => {
    // Act: x2 (an hour later) closes x1's window before the producer's second copy of x1 comes
    const result = apply([txn('x1', 0), txn('x2', 60 * MINUTE), txn('x1', 0)]);

    // Assert
    expect(statuses(result)).toEqual(['x1:applied', 'x2:applied', 'x1:duplicate']);
  });

  it('treats a second copy of a late event in the same batch as a duplicate, with one alert', () => {
    // Arrange
    const state = apply([txn('now', 15 * MINUTE)]).state;

    // Act
    const result = apply([txn('old', 0, { amount: 2500 }), txn('old', 0, { amount: 2500 })], state);

    // Assert
    expect(statuses(result)).toEqual(['old:late', 'old:duplicate']);
    expect(result.alerts).toHaveLength(1);
  });

  it('a late event still produces its alert, but does not move the last-seen country', () => {
    // Arrange
    const state = apply([txn('now', 20 * MINUTE, { country: 'DE' })]).state;

    // Act
    const result = apply([txn('old', 1 * MINUTE, { country: 'US' }), txn('next', 21 * MINUTE, { country: 'DE' })], state);

    // Assert
    expect(statuses(result)).toEqual(['old:late', 'next:applied']);
    expect(result.alerts.map((a) => a.eventIds)).toEqual([['old']]);
    expect(decisionOf(result, 'next').reasons).toEqual([]);
    expect(result.state.last).toMatchObject({ country: 'DE', time: T0 + 21 * MINUTE });
    expect(result.state.last?.seen?.map(([id]) => id)).toEqual(['now', 'next']);
  });

  it('an applied event is not marked late', () => {
    // Arrange
    const events = [txn('a', 0)];

    // Act
    const result = apply(events);

    // Assert
    expect(decisionOf(result, 'a').late).toBeUndefined();
  });

  it('prunes the panes no window that can still take events reads', () => {
    // Arrange: an event counts until its pane's end + 10m, and reads the 5 minutes before it
    const state = apply([txn('a', 0), txn('b', 6 * MINUTE)]).state;

    // Act: the watermark at 12:15 makes 12:00 unread (12:00 + 5m + 10m) but not 12:06
    const result = apply([txn('c', 15 * MINUTE)], state);

    // Assert
    expect(Object.keys(state.panes).sort()).toEqual([W0, String(T0 + 6 * MINUTE)]);
    expect(Object.keys(result.state.panes).sort()).toEqual([String(T0 + 6 * MINUTE), String(T0 + 15 * MINUTE)]);
  });

  it('does not prune a pane whose window is still open', () => {
    // Arrange
    const state = apply([txn('a', 0)]).state;

    // Act
    const result = apply([txn('b', 14 * MINUTE)], state);

    // Assert
    expect(result.state.panes[W0]?.count).toBe(1);
  });

  it('keeps the watermark at the latest event time, never moving it back', () => {
    // Arrange
    const events = [txn('a', 3 * MINUTE), txn('b', 8 * MINUTE), txn('c', 5 * MINUTE)];

    // Act
    const result = apply(events);

    // Assert
    expect(result.state.watermark).toBe(T0 + 8 * MINUTE);
  });
});

describe('transaction engine: panes', () => {
  it("keeps count, sum, min, max and the small-amount count per 30-second pane, the model's counter only where it counted", () => {
    // Arrange
    const events = [
      txn('a', 0, { amount: 120 }),
      txn('b', 10 * SECOND, { amount: 4.5 }),
      txn('c', 29 * SECOND, { amount: 5 }),
      txn('d', 30 * SECOND, { amount: 800 }),
      txn('e', 59 * SECOND, { amount: 1 }),
    ];

    // Act
    const result = apply(events);

    // Assert
    expect(result.state.panes).toEqual({
      [W0]: { count: 3, sum: 129.5, min: 4.5, max: 120, small: 2 },
      [String(T0 + 30 * SECOND)]: { count: 2, sum: 801, min: 1, max: 800, small: 1 },
    });
  });

  it('forgets what is older than the window: the sixth transaction 5 minutes after the first is not a burst', () => {
    // Arrange: one a minute, the sixth five minutes after the first
    const events = [0, 1, 2, 3, 4, 5].map((m) => txn(`t${m}`, m * MINUTE));

    // Act
    const result = apply(events);

    // Assert
    expect(result.outcomes.map((o) => (o.status === 'duplicate' ? [] : o.result.reasons.map((r) => r.rule)))).toEqual([
      [],
      [],
      [],
      [],
      [],
      [],
    ]);
  });
});

describe('transaction engine: the rules over the windows', () => {
  it('velocity fires on the 6th transaction in one 5-minute window, not before', () => {
    // Arrange
    const events = [0, 30, 60, 90, 120, 150].map((s, i) => txn(`t${i + 1}`, s * SECOND));

    // Act
    const result = apply(events);

    // Assert
    const fired = result.outcomes.map((o) => (o.status === 'duplicate' ? [] : o.result.reasons.map((r) => r.rule)));
    expect(fired).toEqual([[], [], [], [], [], ['velocity']]);
    expect(decisionOf(result, 't6')).toMatchObject({ riskScore: 0.5, action: 'manual_review_required' });
  });

  it('velocity counts across batches through the stored pane', () => {
    // Arrange
    const state = apply([0, 1, 2].map((m) => txn(`t${m}`, m * MINUTE))).state;

    // Act
    const result = apply(
      [3, 4, 4.5].map((m) => txn(`u${m}`, m * MINUTE)),
      state,
    );

    // Assert
    expect(decisionOf(result, 'u4.5').reasons.map((r) => r.rule)).toEqual(['velocity']);
    expect(decisionOf(result, 'u4').reasons).toEqual([]);
  });

  it('velocity fires when the window sum goes over 5000, with only three transactions', () => {
    // Arrange
    const events = [txn('a', 0, { amount: 4000 }), txn('b', MINUTE, { amount: 500 }), txn('c', 2 * MINUTE, { amount: 501 })];

    // Act
    const result = apply(events);

    // Assert
    expect(decisionOf(result, 'b').reasons).toEqual([]);
    expect(decisionOf(result, 'c').reasons).toEqual([
      { rule: 'velocity', weight: 0.5, detail: 'a total of 5001 (limit 5000) in the last 5m' },
    ]);
  });

  it('card testing fires on the 4th small amount in a window', () => {
    // Arrange
    const events = [1, 2, 3, 4].map((m) => txn(`s${m}`, m * 30 * SECOND, { amount: 1 }));

    // Act
    const result = apply(events);

    // Assert
    expect(result.outcomes.map((o) => (o.status === 'duplicate' ? [] : o.result.reasons.map((r) => r.rule)))).toEqual([
      [],
      [],
      [],
      ['cardTesting'],
    ]);
  });

  it('impossible travel fires on a different country within the hour', () => {
    // Arrange
    const events = [txn('de', 0, { country: 'DE' }), txn('br', 30 * MINUTE, { country: 'BR' })];

    // Act
    const result = apply(events);

    // Assert
    expect(decisionOf(result, 'br').reasons.map((r) => r.detail)).toEqual(['DE then BR within 30m']);
  });

  it('impossible travel compares with the latest country by event time, not by arrival', () => {
    // Arrange: FR at 12:08 arrives before an out-of-order US at 12:04
    const events = [txn('de', 0, { country: 'DE' }), txn('fr', 8 * MINUTE, { country: 'FR' }), txn('us', 4 * MINUTE, { country: 'US' })];

    // Act
    const first = apply(events);
    const next = apply([txn('fr2', 9 * MINUTE, { country: 'FR' })], first.state);

    // Assert
    expect(statuses(first)).toEqual(['de:applied', 'fr:applied', 'us:applied']);
    expect(decisionOf(first, 'us').reasons.map((r) => r.detail)).toEqual(['FR then US within 4m']);
    expect(first.state.last).toMatchObject({ country: 'FR', time: T0 + 8 * MINUTE });
    expect(decisionOf(next, 'fr2').reasons).toEqual([]);
  });

  it('impossible travel does not fire for the same country', () => {
    // Arrange
    const events = [txn('a', 0, { country: 'DE' }), txn('b', MINUTE, { country: 'de' })];

    // Act
    const result = apply(events);

    // Assert
    expect(decisionOf(result, 'b').reasons).toEqual([]);
  });

  it('emits one alert per flagged transaction, with a deterministic id', () => {
    // Arrange
    const events = [txn('big', 0, { amount: 2000 }), txn('ok', MINUTE), txn('crypto', 2 * MINUTE, { merchantCategory: 'crypto' })];

    // Act
    const first = apply(events);
    const again = apply(events);

    // Assert: a risky merchant alone is at the review threshold
    expect(first.alerts.map((a) => [a.eventIds[0], a.severity])).toEqual([
      ['big', 'warning'],
      ['crypto', 'warning'],
    ]);
    expect(again.alerts).toEqual(first.alerts);
  });
});

describe('transaction engine: sliding windows, wherever the clock puts a burst', () => {
  /** For every start from 12:00 to 12:05 in 10-second steps: the first transaction a rule fires on (1-based), by id. */
  function firstFlagged(burst: (start: number) => TransactionEnvelope[], rule: string): Set<number> {
    const found = new Set<number>();
    for (let start = 0; start < 5 * MINUTE; start += 10 * SECOND) {
      const result = apply(burst(start));
      const fired = result.outcomes.map((o) => o.status !== 'duplicate' && o.result.reasons.some((r) => r.rule === rule));
      found.add(fired.indexOf(true) + 1);
    }
    return found;
  }

  it('flags a burst of 8 payments 30 s apart by its 6th, whichever 5-minute boundary it straddles', () => {
    const burst = (start: number) => Array.from({ length: 8 }, (_, i) => txn(`b${i}`, start + i * 30 * SECOND, { amount: 40 }));

    expect(firstFlagged(burst, 'velocity')).toEqual(new Set([6]));
  });

  it('flags structuring (amounts just under the large-amount line) by the 6th, wherever it falls', () => {
    const burst = (start: number) => Array.from({ length: 8 }, (_, i) => txn(`s${i}`, start + i * 30 * SECOND, { amount: 990 }));

    expect(firstFlagged(burst, 'velocity')).toEqual(new Set([6]));
  });

  it('flags card testing by its 4th small amount, wherever it falls', () => {
    const burst = (start: number) => Array.from({ length: 6 }, (_, i) => txn(`c${i}`, start + i * 20 * SECOND, { amount: 1.5 }));

    expect(firstFlagged(burst, 'cardTesting')).toEqual(new Set([4]));
  });

  it('names the earlier purchases of the burst in the alert, and only those of the last 5 minutes', () => {
    // Arrange: an old purchase 6 minutes before a burst of six, 30 s apart
    const events = [txn('old', 0), ...Array.from({ length: 6 }, (_, i) => txn(`b${i}`, 6 * MINUTE + i * 30 * SECOND))];

    // Act
    const result = apply(events);

    // Assert
    expect(result.alerts.map((a) => [a.eventIds, a.relatedEventIds])).toEqual([[['b5'], ['b0', 'b1', 'b2', 'b3', 'b4']]]);
  });

  it('names only the small amounts for card testing, and the transaction before for impossible travel', () => {
    // Arrange
    const events = [txn('big', 0, { amount: 60 }), ...[1, 2, 3, 4].map((i) => txn(`s${i}`, i * SECOND, { amount: 1 }))];
    const travel = [txn('home', 0, { country: 'DE' }), txn('far', 10 * MINUTE, { country: 'BR' })];

    // Act
    const testing = apply(events);
    const travelled = apply(travel);

    // Assert
    expect(testing.alerts.map((a) => a.relatedEventIds)).toEqual([['s1', 's2', 's3']]);
    expect(travelled.alerts.map((a) => a.relatedEventIds)).toEqual([['home']]);
  });

  it('remembers at most the latest 10 transactions to name, whatever the rate', () => {
    // Act
    const result = apply(Array.from({ length: 30 }, (_, i) => txn(`t${i}`, i * SECOND)));

    // Assert
    expect(result.state.last?.seen?.map(([id]) => id)).toEqual(Array.from({ length: 10 }, (_, i) => `t${20 + i}`));
    expect(result.alerts.at(-1)?.relatedEventIds).toHaveLength(10);
  });

  it('keeps naming the burst when a clock-ahead transaction came in between (forgetting goes by the watermark)', () => {
    // Arrange: a burst of six arriving at their own time, one of another purchase dated 14 minutes ahead in the middle
    const ahead = { ...txn('ahead', 3 * MINUTE + 14 * MINUTE), arrival: T0 + 3 * MINUTE };
    const events = [...Array.from({ length: 3 }, (_, i) => txn(`b${i}`, i * 30 * SECOND)), ahead];
    events.push(...[3, 4, 5].map((i) => txn(`b${i}`, i * 30 * SECOND)));

    // Act
    const result = apply(events);

    // Assert
    const burst = result.alerts.find((a) => a.eventIds[0] === 'b5');
    expect(burst?.relatedEventIds).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('starts the windows afresh when the pane length changed (or the item is from the tumbling-window release)', () => {
    // Arrange: five purchases stored under 1-minute panes, then the config says 30 s
    const minutePanes = transactionModel({ ...DEFAULT_RULES.transactions, pane: MINUTE });
    const stored = applyEntityBatch(
      minutePanes,
      emptyState<UserLast>(),
      [0, 1, 2, 3, 4].map((i) => txn(`t${i}`, i * 20 * SECOND)),
    ).state;
    const legacy = { ...stored, pane: undefined };

    // Act
    const result = apply([txn('t5', 2 * MINUTE)], stored);
    const fromLegacy = apply([txn('t5', 2 * MINUTE)], legacy);
    const again = apply([txn('t0', 0)], stored);

    // Assert: the old panes are not read as 30-second ones (no velocity from them); ids still count once
    expect(stored.pane).toBe(MINUTE);
    expect(decisionOf(result, 't5').reasons).toEqual([]);
    expect(result.state.panes).toEqual({ [String(T0 + 2 * MINUTE)]: { count: 1, sum: 10, min: 10, max: 10 } });
    expect(decisionOf(fromLegacy, 't5').reasons).toEqual([]);
    expect(statuses(again)).toEqual(['t0:duplicate']);
  });

  it('forgets the transactions no window can reach any more (window + lateness + pane before the latest), keeping the latest', () => {
    // Act
    const result = apply([txn('a', 0), txn('b', 2 * MINUTE), txn('c', 17 * MINUTE + 10 * SECOND)]);
    const alone = apply([txn('x', 0), txn('y', 60 * MINUTE)]);

    // Assert: 17:10 - 15:30 = 1:40, so b stays and a goes
    expect(result.state.last?.seen?.map(([id]) => id)).toEqual(['b', 'c']);
    expect(alone.state.last?.seen?.map(([id]) => id)).toEqual(['y']);
  });
});
