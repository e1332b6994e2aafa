import { entityItem, entityStateOf } from '../../../shared/adapters/dynamodb-items';
import type { StoredEntity } from '../../../shared/adapters/dynamodb-items';
import { EntityType } from '../../../shared/state/store';

describe('the entity item layout', () => {
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
