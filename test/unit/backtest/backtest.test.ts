import { Backtest } from '../../../local/backtest/backtest';
import { InMemoryScorer } from '../../../local/backtest/in-memory-scorer';
import { ANY_RULE } from '../../../local/backtest/rule-quality';
import { backtestText } from '../../../local/backtest/report-text';
import type { AnyEnvelope } from '../../../shared/domain/events';
import { validateAnyEvent } from '../../../shared/kinds/registry';
import type { Verdict } from '../../../shared/domain/labels';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { takeTraffic } from '../../../local/traffic/generator';
import { proposedRules } from '../../../shared/domain/rules-versions';

const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const HOUR = 3_600_000;

function envelope(input: Record<string, unknown>): AnyEnvelope {
  const validation = validateAnyEvent(input);
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}
const txn = (id: string, userId: string, offsetMs: number, amount: number) =>
  envelope({ transactionId: id, userId, amount, country: 'DE', timestamp: new Date(T0 + offsetMs).toISOString() });
const reading = (deviceId: string, offsetMs: number, temperature: number) =>
  envelope({ deviceId, temperature, timestamp: new Date(T0 + offsetMs).toISOString() });

/** Lowers the large-amount threshold from 1,000 to 400. */
const LOWER = proposedRules(DEFAULT_RULES, { transactions: { largeAmount: { amount: 400 } } });

describe('a backtest', () => {
  it('finds no flip and the same counts when the candidate is the live rules', () => {
    // Arrange
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES, version: 1 }, candidate: { rules: DEFAULT_RULES } });

    // Act
    backtest.add([txn('t-1', 'u-1', 0, 20), txn('t-2', 'u-2', 0, 5_000), reading('d-1', 0, 20)]);
    const report = backtest.report();

    // Assert
    expect(report.flips).toEqual({});
    expect(report.outcomes.live).toEqual(report.outcomes.candidate);
    expect(report.outcomes.live).toEqual({ approve: 1, manual_review_required: 1, ok: 1 });
  });

  it('counts the events that flip by direction, with the first ones as examples and both sets of reasons', () => {
    // Arrange
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES, version: 3 }, candidate: { rules: LOWER } }, { examplesPerFlip: 1 });

    // Act
    backtest.add([txn('t-1', 'u-1', 0, 500), txn('t-2', 'u-2', 0, 600), txn('t-3', 'u-3', 0, 20)]);
    const report = backtest.report();

    // Assert
    expect(report.flips).toEqual({ 'approve → manual_review_required': 2 });
    expect(report.examples).toEqual([
      expect.objectContaining({
        eventId: 't-1',
        live: { outcome: 'approve', riskScore: 0, reasons: [] },
        candidate: expect.objectContaining({ outcome: 'manual_review_required', reasons: [expect.stringMatching(/^largeAmount: /)] }),
      }),
    ]);
    expect(report.versions).toEqual({ live: 3, candidate: undefined });
  });

  it('counts alerts and opened incidents per hour of event time for each side', () => {
    // Arrange
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: LOWER } });

    // Act
    backtest.add([txn('t-1', 'u-1', 0, 500), txn('t-2', 'u-2', HOUR, 5_000)]);
    const { perHour } = backtest.report();

    // Assert
    expect(Object.keys(perHour)).toEqual(['2026-04-25T12:00Z', '2026-04-25T13:00Z']);
    expect(perHour['2026-04-25T12:00Z']?.live.alerts).toBe(0);
    expect(perHour['2026-04-25T12:00Z']?.candidate.alerts).toBeGreaterThan(0);
    expect(perHour['2026-04-25T13:00Z']?.live).toEqual(perHour['2026-04-25T13:00Z']?.candidate);
    expect(perHour['2026-04-25T13:00Z']?.live.incidents).toBe(1);
  });

  it('gives precision and recall per rule, and for any rule, against the verdicts of the labelled events only', () => {
    // Arrange: two frauds of 500 and 5,000, a legit 450, and an unlabelled 700.
    const verdicts = new Map<string, Verdict>([
      ['t-fraud-1', 'fraud'],
      ['t-fraud-2', 'fraud'],
      ['t-legit', 'legit'],
    ]);
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: LOWER } }, { verdicts });

    // Act
    backtest.add([
      txn('t-fraud-1', 'u-1', 0, 500),
      txn('t-fraud-2', 'u-2', 0, 5_000),
      txn('t-legit', 'u-3', 0, 450),
      txn('t-unlabelled', 'u-4', 0, 700),
    ]);
    const { labels } = backtest.report();

    // Assert: live flags only the 5,000; the candidate all three labelled ones.
    expect(labels).toMatchObject({ labelled: 3, fraud: 2 });
    expect(labels?.rules.live['largeAmount']).toEqual({ flagged: 1, truePositives: 1, precision: 1, recall: 0.5 });
    expect(labels?.rules.candidate['largeAmount']).toEqual({ flagged: 3, truePositives: 2, precision: 2 / 3, recall: 1 });
    expect(labels?.rules.candidate[ANY_RULE]).toEqual({ flagged: 3, truePositives: 2, precision: 2 / 3, recall: 1 });
  });

  it('skips a repeated event on both sides, as the pipeline does', () => {
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: LOWER } });
    backtest.add([txn('t-1', 'u-1', 0, 500)]);
    backtest.add([txn('t-1', 'u-1', 0, 500)]);
    expect(backtest.report()).toMatchObject({ events: 1, duplicates: 1, flips: { 'approve → manual_review_required': 1 } });
  });

  it('judges readings with the candidate’s readings rules when only those change, and reports their flips', () => {
    // Arrange
    const hotter = proposedRules(DEFAULT_RULES, { readings: { temperature: { warning: 25 } } });
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: hotter } });

    // Act
    backtest.add([reading('d-1', 0, 30), txn('t-1', 'u-1', 0, 5_000)]);
    const report = backtest.report();

    // Assert
    expect(report.flips).toEqual({ 'ok → warning': 1 });
    expect(report.outcomes.candidate).toMatchObject({ manual_review_required: 1, warning: 1 });
  });

  it('reads as text with the flips, the examples and the rules’ quality', () => {
    const verdicts = new Map<string, Verdict>([['t-1', 'fraud']]);
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES, version: 1 }, candidate: { rules: LOWER } }, { verdicts });
    backtest.add([txn('t-1', 'u-1', 0, 500)]);

    const text = backtestText(backtest.report(), { live: 'v1', candidate: 'candidate' });

    expect(text).toMatch(/approve → manual_review_required: 1\n {4}t-1 at 2026-04-25T12:00:00.000Z \(labelled fraud\)/);
    expect(text).toMatch(/v1: risk 0\.00 \(no rule fired\)/);
    expect(text).toMatch(/largeAmount +v1 never fired {3}candidate 1\.000 \/ 1\.000 \(1 flagged\)/);
  });
});

describe('a backtest’s chunks', () => {
  it('give the same report however the history is cut: each entity’s events are judged in order, whatever the batches', () => {
    // Arrange: a file is read 128 KiB at a time, the streams a thousand records at a time.
    const STRICTER = proposedRules(DEFAULT_RULES, { transactions: { largeAmount: { amount: 150 }, thresholds: { review: 0.3 } } });
    const events = takeTraffic(2_000, { seed: 11 }).map((e) => envelope(e.event));
    const reportFor = (chunkSize: number) => {
      const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: STRICTER } });
      for (let i = 0; i < events.length; i += chunkSize) backtest.add(events.slice(i, i + chunkSize));
      return backtest.report();
    };

    // Act
    const [one, some, all] = [reportFor(1), reportFor(97), reportFor(events.length)];

    // Assert
    expect(some).toEqual(one);
    expect(all).toEqual(one);
    expect(Object.keys(one.flips).length).toBeGreaterThan(0);
    expect(Object.keys(one.perHour).length).toBeGreaterThan(0);
  });
});

describe('what a comparison says of verdicts it cannot use', () => {
  it('labels the events that opened an incident with the incident’s verdict, unless the event has its own', () => {
    // Arrange: the incidents the live rules open on this history (their ids are stable: entity, cause, opening event).
    const events = [txn('t-big', 'u-1', 0, 5_000), txn('t-own', 'u-2', 0, 5_000), txn('t-small', 'u-3', 0, 20)];
    const opened = new InMemoryScorer(DEFAULT_RULES).score(events).notifications.filter((n) => n.incident?.transition === 'opened');
    const incidentOf = (eventId: string) => opened.find((n) => n.eventIds.includes(eventId))?.incident?.id as string;
    const verdicts = new Map<string, Verdict>([
      [incidentOf('t-big'), 'fraud'],
      [incidentOf('t-own'), 'fraud'],
      ['t-own', 'legit'],
    ]);
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: LOWER } }, { verdicts });

    // Act
    backtest.add(events);
    const { labels } = backtest.report();

    // Assert: t-big is fraud through its incident; t-own keeps its own verdict (its incident's reached it, so it is no unmatched one).
    expect(incidentOf('t-big')).toEqual(expect.any(String));
    expect(labels).toMatchObject({ labelled: 2, fraud: 1, unmatched: 0 });
    expect(labels?.rules.live['largeAmount']).toMatchObject({ flagged: 2, truePositives: 1 });
  });

  it('calls an event fraud when any of the incidents it opened is, and counts each of their verdicts as used', () => {
    // Arrange: one reading too hot and too wet opens two incidents; the analyst calls one fraud (tampering), one legit.
    const events = [envelope({ deviceId: 'd-1', temperature: 95, humidity: 99, timestamp: new Date(T0).toISOString() })];
    const opened = new InMemoryScorer(DEFAULT_RULES).score(events).notifications.filter((n) => n.incident?.transition === 'opened');
    const [first, second] = opened.map((n) => n.incident?.id as string);
    const candidate = proposedRules(DEFAULT_RULES, { readings: { temperature: { warning: 70 } } });

    for (const verdicts of [
      new Map<string, Verdict>([
        [first as string, 'fraud'],
        [second as string, 'legit'],
      ]),
      new Map<string, Verdict>([
        [second as string, 'fraud'],
        [first as string, 'legit'],
      ]),
    ]) {
      const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: candidate } }, { verdicts });

      // Act
      backtest.add(events);

      // Assert
      expect(opened).toHaveLength(2);
      expect(backtest.report().labels).toMatchObject({ labelled: 1, fraud: 1, unmatched: 0 });
    }
  });

  it('counts the verdicts that name no event it judged (incident ids, other times)', () => {
    const verdicts = new Map<string, Verdict>([
      ['t-1', 'fraud'],
      ['incident-7', 'fraud'],
    ]);
    const backtest = new Backtest({ live: { rules: DEFAULT_RULES }, candidate: { rules: LOWER } }, { verdicts });
    backtest.add([txn('t-1', 'u-1', 0, 500)]);

    const { labels } = backtest.report();

    expect(labels).toMatchObject({ labelled: 1, unmatched: 1 });
    expect(backtestText(backtest.report(), { live: 'v1', candidate: 'candidate' })).toMatch(/\(1 more verdicts label no event judged here/);
  });
});
