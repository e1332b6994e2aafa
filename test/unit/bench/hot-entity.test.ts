import { measureHotEntity } from '../../../bench/hot-entity';

describe('one hot entity', () => {
  it('keeps a busy user item a few KB, whatever the rate: only the recent commits keep their ids', async () => {
    // Act: 60 transactions a second for 2 minutes, 100 to a batch (7,200 ids in the open windows).
    const result = await measureHotEntity({ label: 'u', kind: 'user', rate: 60, minutes: 2, perBatch: 100 });

    // Assert: at most 1,000 ids of about 14 bytes; one decision of 1 unit per event, the state a fraction.
    expect(result.events).toBe(7200);
    expect(result.maxItemKb).toBeLessThan(16);
    expect(result.firstOverLimit).toBeUndefined();
    expect(result.recordWcuPerEvent).toBe(1);
    expect(result.stateWcuPerEvent).toBeLessThan(0.2);
  });

  it('keeps a device at 400 readings a second far below 400 KB', async () => {
    // Act: 400 readings a second for 2 minutes, 500 to a batch: 48,000 readings in the open windows.
    const result = await measureHotEntity({ label: 'd', kind: 'device', rate: 400, minutes: 2, perBatch: 500 });

    // Assert: the newest commit (500 ids) and what fits under 1,000 ids; one status record a reading.
    expect(result.maxItemKb).toBeLessThan(16);
    expect(result.firstOverLimit).toBeUndefined();
    expect(result.recordWcuPerEvent).toBe(1);
  });

  it('costs a busy user less than the per-record baseline (3.9) when each batch holds one of its events', async () => {
    // Act: 40 a second for 1 minute, each in a batch of its own.
    const result = await measureHotEntity({ label: 'u1', kind: 'user', rate: 40, minutes: 1, perBatch: 1 });

    // Assert: one state write of 1 unit and one decision of 1 unit per event.
    expect(result.maxItemKb).toBeLessThan(1);
    expect(result.stateWcuPerEvent + result.recordWcuPerEvent).toBe(2);
  });
});
