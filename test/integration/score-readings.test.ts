import { scoringFunction } from '../support/harness';
import { ShardLog } from '../support/kinesis-events';
import { createResources, drainQueue, scanAll } from '../support/resources';

/** The outbox's alerts, without the incidents' notifications beside them (incident-storms tests those). */
async function alertsIn(table: string): Promise<Array<Record<string, unknown>>> {
  return (await scanAll(table)).filter((item) => item['incident'] === undefined);
}

const T0 = Date.parse('2026-04-25T12:00:00Z');
const MINUTE = 60_000;
const reading = (minute: number, temperature: number, deviceId = 'sensor-17') => ({
  deviceId,
  temperature,
  timestamp: new Date(T0 + minute * MINUTE).toISOString(),
});

describe('score-readings handler on moto', () => {
  it('turns the seed reading into a warning alert, stored once however often the batch is delivered', async () => {
    const resources = await createResources('readings-seed');
    const fn = scoringFunction('score-readings', resources.env);
    const log = new ShardLog('shardId-000000000000', 'arn:aws:kinesis:us-east-1:123456789012:stream/readings');
    log.put({ data: { deviceId: 'sensor-17', temperature: 82.4, timestamp: '2026-04-25T12:00:00Z' } });

    for (let delivery = 0; delivery < 3; delivery++) expect((await fn.invoke(log.records)).batchItemFailures).toEqual([]);

    const alerts = await alertsIn(resources.alertsTable);
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'sensor',
        severity: 'warning',
        entityId: 'sensor-17',
        summary: 'Temperature exceeded threshold on sensor-17',
      }),
    ]);
    const device = (await scanAll(resources.stateTable)).find((i) => i['pk'] === 'device#sensor-17');
    expect(device?.['panes']).toEqual({ [String(T0)]: { count: 1, sum: 82.4, min: 82.4, max: 82.4 } });
    expect(device?.['recent']).toBe(T0.toString(36));
    // The reading's status, which recognises it when it comes again after its commit left the recent ones.
    const record = (await scanAll(resources.stateTable)).find((i) => i['pk'] === 'reading#sensor-17@2026-04-25T12:00:00.000Z');
    expect(record).toMatchObject({ itemType: 'reading', deviceId: 'sensor-17', status: 'warning', basedOn: 0 });
    expect(device?.['last']).toEqual({ time: T0, temperature: 82.4, seen: [T0] });
  });

  it('keeps per-device window aggregates, alerts a jump and a hot window once, and quarantines a bad reading', async () => {
    const resources = await createResources('readings-window');
    const fn = scoringFunction('score-readings', resources.env);
    const log = new ShardLog();
    log.put(
      { data: reading(0, 60) },
      { data: reading(1, 78) }, // jump of 18 in a minute
      { data: reading(2, 79) },
      { data: reading(3, 80) }, // the window's average passes 75 here? (60+78+79+80)/4 = 74.25, no
      { data: reading(4, 79.9) }, // (…+79.9)/5 = 75.38: the window goes hot
      { data: reading(4.5, 79.5) }, // still hot: no second window alert
      { data: { deviceId: 'sensor-17', temperature: 'hot', timestamp: reading(5, 0).timestamp } },
      { data: reading(0, 20, 'sensor-2') },
    );

    const response = await fn.invoke(log.records);

    expect(response.batchItemFailures).toEqual([]);
    const alerts = await alertsIn(resources.alertsTable);
    const reasons = alerts.map((a) => (a['reasons'] as string[]).map((r) => r.split(':')[0]).join('+')).sort();
    expect(reasons).toEqual(['jump', 'windowAverage']);
    const devices = (await scanAll(resources.stateTable)).filter((i) => i['entityType'] === 'device');
    expect(devices.map((d) => d['entityId']).sort()).toEqual(['sensor-17', 'sensor-2']);
    const hot = devices.find((d) => d['entityId'] === 'sensor-17')?.['panes'] as Record<string, { count: number; max: number }>;
    // One 30-second pane per reading here: the window rules read their sum.
    expect(Object.keys(hot)).toHaveLength(6);
    expect(Object.values(hot).reduce((n, p) => n + p.count, 0)).toBe(6);
    expect(Math.max(...Object.values(hot).map((p) => p.max))).toBe(80);
    const quarantined = await drainQueue(resources.quarantineQueueUrl);
    expect(quarantined).toEqual([expect.objectContaining({ reason: 'invalid event: field "temperature" must be a number, got string' })]);
  });

  it('stores the alert of a reading replayed after its window closed exactly as first stored', async () => {
    const resources = await createResources('readings-late');
    const fn = scoringFunction('score-readings', resources.env);
    const log = new ShardLog();
    // The batch itself spans more than window + allowed lateness, so on a replay its first
    // readings are late (their ids were dropped with their closed window) and judged without the jump's context.
    log.put({ data: reading(0, 20) }, { data: reading(1, 85) }, { data: reading(20, 21) });

    await fn.invoke(log.records);
    const first = await alertsIn(resources.alertsTable);
    const replay = await fn.invoke(log.records);
    const afterReplay = await alertsIn(resources.alertsTable);

    expect(replay.batchItemFailures).toEqual([]);
    expect(first).toHaveLength(1);
    expect((first[0]?.['reasons'] as string[]).map((r) => r.split(':')[0])).toEqual(['temperature', 'jump']);
    expect(afterReplay).toEqual(first);
    const device = (await scanAll(resources.stateTable)).find((i) => i['pk'] === 'device#sensor-17');
    expect(device?.['ver']).toBe(1); // the replay changed nothing
  });
});
