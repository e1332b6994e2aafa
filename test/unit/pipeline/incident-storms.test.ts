import { MemoryStateStore } from '../../../shared/adapters/memory-state-store';
import type { Alert } from '../../../shared/domain/alerts';
import type { AnyEnvelope } from '../../../shared/domain/events';
import { validateReading } from '../../../shared/kinds/reading';
import { validateTransaction } from '../../../shared/kinds/transaction';
import { DEFAULT_RULES, parseRulesConfig } from '../../../shared/domain/rules-config';
import { READINGS } from '../../../shared/kinds/reading';
import { TRANSACTIONS } from '../../../shared/kinds/transaction';
import type { ScoringKind } from '../../../shared/pipeline/score-batch';
import { scoreBatch } from '../../../shared/pipeline/score-batch';
import { CommitMode } from '../../../shared/state/store';

/**
 * The storms of the issue, through the scoring pipeline on the in-memory store: what reaches
 * people is one notification per incident transition, not one per alert. (The same storms go
 * through the deployed pipeline on moto in test/integration/incident-storms.test.ts.)
 */
const SECOND = 1_000;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);

async function scoreInBatches<E extends AnyEnvelope>(
  envelopes: readonly E[],
  kind: ScoringKind<E, unknown, unknown>,
  size: number,
  store = new MemoryStateStore(),
): Promise<{ alerts: Alert[]; notifications: Alert[] }> {
  const alerts: Alert[] = [];
  const notifications: Alert[] = [];
  for (let i = 0; i < envelopes.length; i += size) {
    const items = envelopes.slice(i, i + size).map((envelope, j) => ({ recordId: String(i + j), envelope }));
    const scoring = await scoreBatch(items, kind, { store, commitMode: CommitMode.conditional, now: () => T0 });
    alerts.push(...scoring.alerts);
    notifications.push(...scoring.notifications);
  }
  return { alerts, notifications };
}

function overheating(): AnyEnvelope[] {
  return Array.from({ length: 360 }, (_, i) => {
    const v = validateReading({ deviceId: 'sensor-hot', temperature: 85, timestamp: T0 + i * 10 * SECOND });
    if (!v.ok) throw new Error(v.reason);
    return v.value;
  });
}

function cardTesting(): AnyEnvelope[] {
  return Array.from({ length: 60 }, (_, i) => {
    const v = validateTransaction({
      transactionId: `ct-${i}`,
      userId: 'user-ct',
      amount: 1 + (i % 4),
      country: 'DE',
      timestamp: T0 + i * 5 * SECOND,
    });
    if (!v.ok) throw new Error(v.reason);
    return v.value;
  });
}

describe('incident storms', () => {
  it('an hour of one device at 85° (a reading every 10 s): 361 alerts, 2 notifications (opened, one reminder)', async () => {
    const { alerts, notifications } = await scoreInBatches(
      overheating(),
      READINGS.scoring(DEFAULT_RULES.readings) as ScoringKind<AnyEnvelope, unknown, unknown>,
      7,
    );

    expect(alerts).toHaveLength(360 + 1); // one a reading, and the window average crossing 75 once
    expect(notifications.map((n) => [n.incident?.transition, n.severity, n.incident?.events])).toEqual([
      ['opened', 'warning', 1],
      ['reminded', 'warning', 180], // at 12:30, before the reading of 12:30 is added
    ]);
    expect(notifications[1]?.summary).toBe('Incident still open: temperature on sensor-hot (warning, 180 events)');
  });

  it('a 60-payment card-testing run: 2 notifications (opened at review, escalated at block)', async () => {
    const { alerts, notifications } = await scoreInBatches(
      cardTesting(),
      TRANSACTIONS.scoring(DEFAULT_RULES.transactions) as ScoringKind<AnyEnvelope, unknown, unknown>,
      10,
    );

    expect(alerts.length).toBeGreaterThanOrEqual(57);
    expect(notifications.map((n) => [n.incident?.transition, n.severity, n.eventIds])).toEqual([
      ['opened', 'warning', ['ct-3']],
      ['escalated', 'critical', ['ct-5']],
    ]);
  });

  it('gives the same notifications whatever the batches, and none again when the batches come back', async () => {
    const kind = READINGS.scoring(DEFAULT_RULES.readings) as ScoringKind<AnyEnvelope, unknown, unknown>;
    const store = new MemoryStateStore();
    const whole = await scoreInBatches(overheating(), kind, 360);
    const small = await scoreInBatches(overheating(), kind, 3, store);
    const again = await scoreInBatches(overheating(), kind, 50, store);

    expect(small.notifications).toEqual(whole.notifications);
    expect(again.notifications).toEqual([]);
    expect([...store.alerts.values()].filter((a) => a.incident)).toEqual(whole.notifications);
  });

  it('resolves a device once it stayed in range for 10 minutes, and reopens a new incident when it overheats again', async () => {
    const kind = READINGS.scoring(DEFAULT_RULES.readings) as ScoringKind<AnyEnvelope, unknown, unknown>;
    const at = (minute: number, temperature: number) => {
      const v = validateReading({ deviceId: 'sensor-1', temperature, timestamp: T0 + minute * MINUTE });
      if (!v.ok) throw new Error(v.reason);
      return v.value;
    };
    // Cooling to 70 (a change of 15 is no jump): quiet 10 minutes after the last signal (12:01); hot again at 12:13.
    const readings = [at(0, 85), at(1, 85), at(7, 70), at(11, 70), at(12, 70), at(13, 86)];

    const { notifications } = await scoreInBatches(readings, kind, 2);

    expect(notifications.map((n) => [n.incident?.transition, (Date.parse(n.eventTime) - T0) / MINUTE])).toEqual([
      ['opened', 0],
      ['resolved', 11],
      ['opened', 13],
    ]);
    expect(notifications[0]?.incident?.id).not.toBe(notifications[2]?.incident?.id);
  });

  it('sends per-event alerts only when a kind has incidents disabled in the rules config', async () => {
    const rules = parseRulesConfig({ readings: { incidents: { enabled: false } } });

    const { alerts, notifications } = await scoreInBatches(
      overheating().slice(0, 30),
      READINGS.scoring(rules.readings) as ScoringKind<AnyEnvelope, unknown, unknown>,
      10,
    );

    expect(alerts).toHaveLength(31);
    expect(notifications).toEqual([]);
  });
});
