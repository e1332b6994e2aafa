import { measureHotEntity } from '../../../bench/hot-entity';

describe('one hot entity', () => {
  it('weighs the state item a busy user grows and the write units its events cost', async () => {
    // Act: 60 transactions a second for 2 minutes, 100 to a batch.
    const result = await measureHotEntity({ label: 'u', kind: 'user', rate: 60, minutes: 2, perBatch: 100 });

    // Assert: 7,200 ids of about 14 bytes in the open panes; one decision of 1 unit per event.
    expect(result.events).toBe(7200);
    expect(result.maxItemKb).toBeGreaterThan(80);
    expect(result.maxItemKb).toBeLessThan(120);
    expect(result.firstOverLimit).toBeUndefined();
    expect(result.decisionWcuPerEvent).toBe(1);
  });

  it('says where DynamoDB starts refusing the item', async () => {
    // Act: 400 readings a second for 2 minutes: 48,000 ids in the open panes.
    const result = await measureHotEntity({ label: 'd', kind: 'device', rate: 400, minutes: 2, perBatch: 500 });

    // Assert
    expect(result.maxItemKb).toBeGreaterThan(400);
    expect(result.firstOverLimit).toBeGreaterThan(20_000);
    expect(result.decisionWcuPerEvent).toBe(0);
  });
});
