import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { entityItem, entityStateOf, joinItem, joinStateOf } from '../../../shared/adapters/dynamodb-items';
import type { StoredEntity, StoredJoinItem } from '../../../shared/adapters/dynamodb-items';
import { validateOrderEvent } from '../../../shared/domain/order-events';
import type { JoinState } from '../../../shared/domain/order-join';
import { EMPTY_JOIN, joinEvent } from '../../../shared/domain/order-join';
import { EntityType } from '../../../shared/state/store';

describe('the entity item layout', () => {
  it('keeps open incidents without what can be derived, and puts the entity in the incidents index by its due minute', () => {
    const incident = {
      id: 'i1',
      cause: 'temperature',
      severity: 'warning' as const,
      openedAt: 1_000,
      lastSignalAt: 5_000,
      arrivedAt: 5_250,
      events: 2,
      reasons: ['temperature: 85'],
      notifiedAt: 1_000,
    };
    const state = {
      version: 7,
      watermark: 5_000,
      panes: {},
      recent: { from: 7, ids: 'a' },
      incidents: { temperature: incident },
      snoozed: { humidity: 90_000 },
      incidentsDue: 600_001,
    };

    const item = entityItem({ type: EntityType.device, id: 'd1', basedOn: 6, state, expiresAt: 9 });

    // The cause is the key; the arrival is its lag behind the last signal; due is in seconds, rounded up to the minute.
    expect(item.incidents).toEqual({ temperature: { ...omit(incident, 'cause', 'arrivedAt'), lag: 250 } });
    expect(item).toMatchObject({ entityType: 'device', due: 660 });
    expect(entityStateOf(item)).toEqual({ ...state, incidentsDue: 660_000 });
  });

  it('leaves an entity without open incidents out of the incidents index', () => {
    const item = entityItem({
      type: EntityType.user,
      id: 'u1',
      basedOn: 0,
      state: { version: 0, watermark: null, panes: {}, recent: { from: 1, ids: 'a' } },
      expiresAt: 9,
    });

    expect(item).not.toHaveProperty('due');
  });

  it('keeps the recent commits as one string and reads them back with their versions', () => {
    const state = {
      version: 7,
      watermark: 1_000,
      panes: { '0': { count: 3, sum: 6, min: 1, max: 3, small: 0 } },
      recent: { from: 6, ids: 'a b\nc' },
    };

    const item = entityItem({ type: EntityType.device, id: 'd1', basedOn: 6, state, expiresAt: 9 });

    expect(item).toMatchObject({ recentFrom: 6, recent: 'a b\nc' });
    expect(entityStateOf({ ...item, ver: 7 })).toEqual(state);
  });

  it("reads an item from before recent commits were kept with its panes' ids as its one recent commit", () => {
    // An old device item: the ids in its panes, no recent commits, and no reading records anywhere.
    const old = {
      pk: 'device#d1',
      entityType: 'device',
      entityId: 'd1',
      ver: 4,
      watermark: 1_000,
      panes: {
        '0': { count: 2, sum: 3, min: 1, max: 2, small: 0, ids: ['x1', 'x2'] },
        '300000': { count: 1, sum: 1, min: 1, max: 1, small: 0, ids: ['x3'] },
      },
      expiresAt: 9,
    } as unknown as StoredEntity<unknown>;

    expect(entityStateOf(old).recent).toEqual({ from: 4, ids: 'x1 x2 x3' });
  });
});

function omit<T extends object>(value: T, ...keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) as Partial<T>;
}

describe('the join item layout', () => {
  // joinBatch tells its own commit, whose answer was lost, by the state it reads back at the next version.
  it('reads back the state it stores, field for field, waiting or decided', () => {
    const side = (input: Record<string, unknown>) => {
      const validated = validateOrderEvent(input);
      if (!validated.ok) throw new Error(validated.reason);
      return validated.value;
    };
    const waiting = joinEvent(
      EMPTY_JOIN,
      side({
        eventType: 'OrderCreated',
        orderId: 'o-1',
        userId: 'u-1',
        amount: 79.99,
        timestamp: '2026-12-05T00:00:00Z',
        note: 'kept out',
      }),
      30 * 60_000,
    ).state;
    const decided = joinEvent(
      waiting,
      side({ eventType: 'PaymentReceived', orderId: 'o-1', paymentId: 'p-1', amount: 70, timestamp: '2026-12-05T00:01:00Z' }),
      30 * 60_000,
    ).state;
    const readBack = (state: JoinState) =>
      joinStateOf(unmarshall(marshall(joinItem('o-1', state, 2, 0), { removeUndefinedValues: true })) as StoredJoinItem);

    expect(readBack(waiting)).toEqual(waiting);
    expect(readBack(decided)).toEqual(decided);
    expect(decided.outcome).toBe('amount_mismatch');
  });
});
