import { reasonOf, SEED_READING, SEED_TRANSACTION, without } from '../../support/seed-events';
import { ALERT_KINDS, ALL_KIND_NAMES, ENTITY_TYPES, namesOfEntityType, namesOfRecordKey } from '../../../shared/kinds/names';
import {
  KINDS,
  kindClaiming,
  kindNamed,
  kindOfEntityType,
  streamOutput,
  streamVariable,
  validateAnyEvent,
} from '../../../shared/kinds/registry';
import { TRANSACTIONS } from '../../../shared/kinds/transaction';
import { recordItem, SHADOW_ATTRIBUTE } from '../../../shared/adapters/dynamodb-items';
import { applyEntityBatch } from '../../../shared/domain/entity-engine';
import { emptyState } from '../../../shared/domain/entity-state';
import { DEFAULT_RULES, parseRulesConfig } from '../../../shared/domain/rules-config';
import type { AnyKindSpec } from '../../../shared/kinds/event-kind';
import { READINGS } from '../../../shared/kinds/reading';
import { claimsOrderEvent } from '../../../shared/domain/order-events';
import { isFlagged } from '../../../local/backtest/rule-quality';

describe('the kind registry', () => {
  it('finds each kind by name, by the type of entity it follows, and by the fields mixed input carries', () => {
    expect(kindNamed('transaction')).toBe(TRANSACTIONS);
    expect(kindNamed('reading')).toBe(READINGS);
    expect(kindOfEntityType('device')).toBe(READINGS);
    expect(kindClaiming(SEED_TRANSACTION)).toBe(TRANSACTIONS);
    expect(kindClaiming(SEED_READING)).toBe(READINGS);
    expect(kindClaiming({ amount: 1 })).toBeUndefined();
    expect(() => kindNamed('order')).toThrow('no event kind "order": the kinds are transaction, reading');
  });

  it('tells mixed input by a field only one kind’s events have before any looser claim, and orders keep out of a kind’s events', () => {
    // A device id without a user would say reading; the transaction id says transaction first.
    expect(kindClaiming({ transactionId: 't-1', deviceId: 'd-1', amount: 5 })).toBe(TRANSACTIONS);
    expect(kindClaiming({ deviceId: 'd-1' })).toBe(READINGS); // to be told it lacks a temperature
    const fields = ALL_KIND_NAMES.flatMap((k) => k.distinctiveFields);
    expect(new Set(fields).size).toBe(fields.length);
    for (const field of fields) expect(claimsOrderEvent({ orderId: 'o-1', eventType: 'OrderCreated', [field]: 1 })).toBe(false);
    expect(claimsOrderEvent({ orderId: 'o-1', eventType: 'OrderCreated', deviceId: 'd-1' })).toBe(true);
  });

  it('lists every outcome a kind’s scoring gives, the one that leaves an event alone first, and judges shadows stricter by that order', () => {
    const outcomesOf = (kind: AnyKindSpec, inputs: unknown[]) =>
      inputs.map((input) => {
        const validated = kind.validate(input);
        if (!validated.ok) throw new Error(validated.reason);
        const outcome = applyEntityBatch(kind.scoring(DEFAULT_RULES[kind.stream]).model, emptyState(), [validated.value]).outcomes[0];
        if (outcome?.status !== 'applied') throw new Error('not applied');
        return kind.scoring(DEFAULT_RULES[kind.stream]).outcome(outcome.result);
      });

    expect(outcomesOf(TRANSACTIONS as unknown as AnyKindSpec, [{ ...SEED_TRANSACTION, amount: 5 }, SEED_TRANSACTION])).toEqual([
      TRANSACTIONS.outcomes[0],
      'manual_review_required',
    ]);
    expect(
      outcomesOf(READINGS as unknown as AnyKindSpec, [
        { ...SEED_READING, temperature: 20 },
        { ...SEED_READING, temperature: 85 },
        { ...SEED_READING, temperature: 95 },
      ]),
    ).toEqual(READINGS.outcomes);
    for (const kind of KINDS) {
      expect(isFlagged(kind.outcomes[0])).toBe(false);
      for (const outcome of kind.outcomes.slice(1)) expect(isFlagged(outcome)).toBe(true);
    }
  });

  it('takes every kind’s names from the data-only list, in its order (what the sweep’s bundle reads instead of the kinds)', () => {
    expect(KINDS.map(({ name }) => name)).toEqual(ALL_KIND_NAMES.map(({ name }) => name));
    KINDS.forEach((kind, i) => expect(kind).toMatchObject(ALL_KIND_NAMES[i] as object));
    expect(KINDS.map((k) => [streamOutput(k), streamVariable(k)])).toEqual([
      ['TransactionsStreamName', 'TRANSACTIONS_STREAM'],
      ['ReadingsStreamName', 'READINGS_STREAM'],
    ]);
  });

  it('gives every kind a stream, an entity type, an alert kind, a record prefix and a rules section of its own', () => {
    for (const key of ['name', 'stream', 'entityType', 'alertKind'] as const) {
      expect(new Set(KINDS.map((k) => k[key])).size).toBe(KINDS.length);
    }
    // The rules document is the kinds' sections, each named as its stream, and the retention.
    expect(Object.keys(DEFAULT_RULES).sort()).toEqual([...KINDS.map((k) => k.stream), 'retention'].sort());
    // No prefix may start another: a record key tells its kind by its prefix alone.
    for (const a of ALL_KIND_NAMES)
      for (const b of ALL_KIND_NAMES) if (a !== b) expect(a.record.prefix.startsWith(b.record.prefix)).toBe(false);
  });

  it('tells a stored record’s kind by its key, and keys the entity types and alert kinds by themselves', () => {
    expect(namesOfRecordKey('txn#["user-1","t-1"]')?.name).toBe('transaction');
    expect(namesOfRecordKey('reading#sensor-1@2026-04-25T12:00:00.000Z')?.name).toBe('reading');
    expect(namesOfRecordKey('user#user-1')).toBeUndefined();
    expect(ENTITY_TYPES).toEqual({ user: 'user', device: 'device' });
    expect(ALERT_KINDS).toEqual({ fraud: 'fraud', sensor: 'sensor', payment: 'payment' });
    expect(namesOfEntityType('device').stream).toBe('readings');
  });

  it('validates with each kind’s own validator, and refuses the other kind’s events', () => {
    expect([TRANSACTIONS.validate(SEED_TRANSACTION).ok, TRANSACTIONS.validate(SEED_READING).ok]).toEqual([true, false]);
    expect([READINGS.validate(SEED_READING).ok, READINGS.validate(SEED_TRANSACTION).ok]).toEqual([true, false]);
  });
});

describe('validateAnyEvent', () => {
  it('routes an object with a transactionId to the transaction validator', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION };

    // Act
    const validation = validateAnyEvent(input);

    // Assert
    expect(validation.ok && validation.value.kind).toBe('transaction');
  });

  it('routes an object with a deviceId and a temperature to the reading validator', () => {
    // Arrange
    const input = { ...SEED_READING };

    // Act
    const validation = validateAnyEvent(input);

    // Assert
    expect(validation.ok && validation.value.kind).toBe('reading');
  });

  it('validates a routed transaction fully (a bad field is still reported by name)', () => {
    // Arrange
    const input = without(SEED_TRANSACTION, 'amount');

    // Act
    const reason = reasonOf(validateAnyEvent(input));

    // Assert
    expect(reason).toBe('missing required field "amount"');
  });

  it('treats a deviceId without a userId as a reading and reports its missing temperature', () => {
    // Arrange
    const input = { deviceId: 'sensor-17', timestamp: SEED_READING.timestamp };

    // Act
    const reason = reasonOf(validateAnyEvent(input));

    // Assert
    expect(reason).toBe('missing required field "temperature"');
  });

  it.each([
    ['no identifying field', { amount: 10 }],
    ['a deviceId with a userId but no transactionId', { deviceId: 'phone-1', userId: 'user-456', amount: 10 }],
  ])('rejects an object with %s as an unknown event kind', (_case, input) => {
    // Arrange: input above

    // Act
    const reason = reasonOf(validateAnyEvent(input));

    // Assert
    expect(reason).toMatch(/^unknown event kind/);
    expect(reason).toContain('"transactionId"');
    expect(reason).toContain('"deviceId"');
  });

  it.each([
    [null, 'null'],
    [[SEED_TRANSACTION], 'array'],
    ['txn-123', 'string'],
    [42, 'number'],
    [undefined, 'undefined'],
  ])('rejects the non-object %p as "expected a JSON object, got %s"', (input, type) => {
    // Arrange: input above

    // Act
    const reason = reasonOf(validateAnyEvent(input));

    // Assert
    expect(reason).toBe(`expected a JSON object, got ${type}`);
  });

  it('reads back what its scorer stores: the live judgement from the record, the candidate’s from its shadow', () => {
    // Arrange: the seed's events, judged by the default rules (live) and by stricter ones (candidate)
    const live = parseRulesConfig({});
    const strict = parseRulesConfig({ transactions: { largeAmount: { amount: 100 } }, readings: { temperature: { warning: 70 } } });
    const judged = (kind: AnyKindSpec, input: unknown) => {
      const validated = kind.validate(input);
      if (!validated.ok) throw new Error(validated.reason);
      const [byLive, byCandidate] = [live, strict].map((rules) => {
        const outcome = applyEntityBatch(kind.scoring(rules[kind.stream]).model, emptyState(), [validated.value]).outcomes[0];
        if (outcome?.status !== 'applied') throw new Error('not applied');
        return outcome.result;
      });
      const item = recordItem(
        {
          type: kind.entityType,
          entityId: validated.value.entity,
          eventId: validated.value.id,
          outcome: kind.scoring(live[kind.stream], 1).recordOf(validated.value, byLive),
          basedOn: 0,
          decidedAt: 0,
          rulesVersion: 1,
          shadow: { rulesVersion: 2, outcome: kind.scoring(strict[kind.stream], 2).shadowOf(validated.value, byCandidate) },
        },
        0,
      );
      return { byLive, byCandidate, item };
    };

    // Act
    const txn = judged(kindNamed('transaction'), { ...SEED_TRANSACTION, amount: 500 });
    const reading = judged(kindNamed('reading'), { ...SEED_READING, temperature: 75 });

    // Assert: a decision keeps its action, risk and reasons; a reading's record its status only
    expect(TRANSACTIONS.storedJudgement(txn.item)).toEqual(TRANSACTIONS.judgement(txn.byLive as never));
    expect(TRANSACTIONS.storedJudgement(txn.item[SHADOW_ATTRIBUTE] as Record<string, unknown>)).toEqual(
      TRANSACTIONS.judgement(txn.byCandidate as never),
    );
    expect(TRANSACTIONS.storedJudgement(txn.item[SHADOW_ATTRIBUTE] as Record<string, unknown>)).toMatchObject({
      outcome: 'manual_review_required',
      reasons: [expect.objectContaining({ rule: 'largeAmount' })],
    });
    expect(READINGS.storedJudgement(reading.item)).toEqual({ outcome: 'ok', reasons: [] });
    expect(READINGS.storedJudgement(reading.item[SHADOW_ATTRIBUTE] as Record<string, unknown>)).toEqual({
      outcome: 'warning',
      reasons: [],
    });
    expect(reading.item[SHADOW_ATTRIBUTE]).toEqual({ rulesVersion: 2, status: 'warning' });
  });
});
