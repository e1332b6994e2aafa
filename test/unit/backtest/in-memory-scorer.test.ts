import { InMemoryScorer } from '../../../local/backtest/in-memory-scorer';
import { MemoryStateStore } from '../../../shared/adapters/memory-state-store';
import type { AnyEnvelope } from '../../../shared/domain/events';
import { validateAnyEvent } from '../../../shared/kinds/registry';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { takeTraffic } from '../../../local/traffic/generator';
import { READINGS } from '../../../shared/kinds/reading';
import { TRANSACTIONS } from '../../../shared/kinds/transaction';
import { scoreBatch } from '../../../shared/pipeline/score-batch';
import { CommitMode } from '../../../shared/state/store';

const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);

function envelope(input: Record<string, unknown>): AnyEnvelope {
  const validation = validateAnyEvent(input);
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

const txn = (id: string, userId: string, offsetMs: number, amount = 20) =>
  envelope({ transactionId: id, userId, amount, country: 'DE', timestamp: new Date(T0 + offsetMs).toISOString() });

describe('the in-memory scorer', () => {
  it('judges generated traffic exactly as the pipeline’s scoreBatch does over a store, chunk by chunk', async () => {
    // Arrange
    const events = takeTraffic(3_000, { seed: 3 }).map((e) => envelope(e.event));
    const chunks = Array.from({ length: Math.ceil(events.length / 250) }, (_, i) => events.slice(i * 250, (i + 1) * 250));
    const store = new MemoryStateStore();
    const deps = { store, commitMode: CommitMode.conditional };
    const kinds = { transaction: TRANSACTIONS.scoring(DEFAULT_RULES.transactions), reading: READINGS.scoring(DEFAULT_RULES.readings) };
    const expected: unknown[] = [];
    for (const chunk of chunks) {
      const items = (kind: AnyEnvelope['kind']) =>
        chunk.flatMap((envelope, i) => (envelope.kind === kind ? [{ recordId: String(i), envelope }] : []));
      const results = new Map<AnyEnvelope, unknown>();
      for (const outcome of [
        ...(await scoreBatch(items('transaction') as never, kinds.transaction, deps)).outcomes,
        ...(await scoreBatch(items('reading') as never, kinds.reading, deps)).outcomes,
      ]) {
        results.set(outcome.envelope, outcome.status === 'duplicate' ? 'duplicate' : (outcome as { result: unknown }).result);
      }
      expected.push(...chunk.map((e) => results.get(e)));
    }
    const scorer = new InMemoryScorer(DEFAULT_RULES);

    // Act
    const judged = chunks.flatMap((chunk) => scorer.score(chunk).events.map((e) => (e.status === 'duplicate' ? 'duplicate' : e.result)));

    // Assert
    expect(judged).toEqual(expected);
    expect(new Set(judged.map((r) => (typeof r === 'object' && r !== null && 'action' in r ? r.action : undefined)))).toEqual(
      new Set(['approve', 'manual_review_required', 'block', undefined]),
    );
  });

  it('answers duplicate for an event judged before, in the same chunk or a later one, and late for one whose window closed', () => {
    // Arrange
    const scorer = new InMemoryScorer(DEFAULT_RULES);
    const first = scorer.score([txn('t-1', 'u-1', 0), txn('t-1', 'u-1', 0), txn('t-2', 'u-1', 60 * 60_000)]);

    // Act
    const second = scorer.score([txn('t-2', 'u-1', 60 * 60_000), txn('t-old', 'u-1', 0), txn('t-1', 'u-2', 0)]);

    // Assert
    expect(first.events.map((e) => e.status)).toEqual(['applied', 'duplicate', 'applied']);
    expect(second.events.map((e) => e.status)).toEqual(['duplicate', 'late', 'applied']); // t-1 of another user is another event
  });

  it('stamps its alerts with its rules version, and keeps each scorer’s state its own', () => {
    // Arrange
    const strict = {
      ...DEFAULT_RULES,
      transactions: { ...DEFAULT_RULES.transactions, largeAmount: { enabled: true, weight: 0.9, amount: 100 } },
    };
    const live = new InMemoryScorer(DEFAULT_RULES, 1);
    const candidate = new InMemoryScorer(strict, 2);
    const events = [txn('t-big', 'u-1', 0, 500)];

    // Act
    const byLive = live.score(events);
    const byCandidate = candidate.score(events);

    // Assert
    expect(byLive.events[0]).toMatchObject({ status: 'applied', result: { action: 'approve' } });
    expect(byLive.alerts).toEqual([]);
    expect(byCandidate.events[0]).toMatchObject({ status: 'applied', result: { action: 'block' } });
    expect(byCandidate.alerts.map((a) => a.rulesVersion)).toEqual([2]);
  });
});
