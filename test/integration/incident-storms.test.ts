import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { produceCommand } from '../../cli/commands/produce';
import { startLocalRuntime } from '../../local/runtime/runtime';
import { runCommand } from '../support/command-io';
import { drainQueue } from '../support/resources';
import { createSubscriberQueue as queue, deploySubscribedStack, removeStackFiles } from '../support/subscribed-stack';

/**
 * The storms through the deployed pipeline on moto: an hour of one device at 85° (a reading
 * every 10 s) and a 60-payment card-testing run, counted on an SQS subscriber that takes what people
 * take (incident notifications), on one that takes every alert, and on one with a budget. Then a
 * full replay of every stream from its trim horizon: no notification is sent again. Last, the sweep
 * sends the budgeted subscriber its digest.
 */
const STACK = `RiskstreamStorms${Date.now().toString(36)}`;
const NAME = `rs${Date.now().toString(36)}`;
const MINUTE = 60_000;
// The hour ends a minute ago: the scorers refuse events dated after their arrival (beyond the skew).
const END = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;

const readings = Array.from({ length: 360 }, (_, i) => ({
  deviceId: 'sensor-storm',
  temperature: 85,
  timestamp: new Date(END - 60 * MINUTE + i * 10_000).toISOString(),
}));
const payments = Array.from({ length: 60 }, (_, i) => ({
  transactionId: `storm-${i}`,
  userId: 'user-storm',
  amount: 1 + (i % 4),
  country: 'DE',
  timestamp: new Date(END - 6 * MINUTE + i * 5_000).toISOString(),
}));

interface Received {
  readonly alertId: string;
  /** Of a digest: the notifications it holds. */
  readonly held?: readonly string[];
  readonly kind: string;
  readonly transition?: string;
  readonly notification?: string;
}

async function received(queueUrl: string): Promise<Received[]> {
  return (await drainQueue(queueUrl)).map((m) => {
    const alert = JSON.parse(String(m['Message'])) as {
      alertId: string;
      kind: string;
      incident?: { transition: string };
      digestId?: string;
      notifications?: Array<{ alertId: string }>;
    };
    const attributes = m['MessageAttributes'] as Record<string, { Value: string }> | undefined;
    return {
      alertId: alert.alertId ?? alert.digestId,
      ...(alert.notifications ? { held: alert.notifications.map((n) => n.alertId) } : {}),
      kind: alert.kind,
      ...(alert.incident ? { transition: alert.incident.transition } : {}),
      ...(attributes?.['notification'] ? { notification: attributes['notification'].Value } : {}),
    };
  });
}

describe('incident storms through the deployed pipeline on moto', () => {
  let people: { url: string; arn: string };
  let everything: { url: string; arn: string };
  let pager: { url: string; arn: string };
  let paged: string[] = [];
  let notifiedPeople: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-storms-'));

  beforeAll(async () => {
    people = await queue(`${NAME}-people`);
    everything = await queue(`${NAME}-everything`);
    pager = await queue(`${NAME}-pager`);
    await deploySubscribedStack({
      stackName: STACK,
      config: { name: NAME },
      subscribers: [
        { queueArn: people.arn, minSeverity: 'warning', notifications: ['incident'] },
        { queueArn: everything.arn, minSeverity: 'warning' },
        // A budget as people have (SMS: 10 an hour), cut to 1 in 10 s so the test sees the digest soon.
        { queueArn: pager.arn, minSeverity: 'warning', notifications: ['incident'], budget: { notifications: 1, per: '10s' } },
      ],
    });
  }, 300_000);

  afterAll(() => removeStackFiles(STACK));

  it('reaches people as 2 notifications for an hour at 85° and 2 for a card-testing run, where every alert is 421', async () => {
    const file = join(dir, 'storms.jsonl');
    writeFileSync(file, [...readings, ...payments].map((e) => JSON.stringify(e)).join('\n'));
    expect((await runCommand(produceCommand, ['--file', file, '--as-is', '--stack', STACK], [])).code).toBe(0);

    await (await startLocalRuntime({ stackName: STACK, log: () => undefined })).runUntilIdle(2000);

    const forPeople = await received(people.url);
    const byKind = (kind: string) => forPeople.filter((r) => r.kind === kind).map((r) => r.transition);
    expect(new Set(forPeople.map((r) => r.alertId)).size).toBe(forPeople.length);
    expect(byKind('sensor')).toEqual(['opened', 'reminded']);
    expect(byKind('fraud').sort()).toEqual(['escalated', 'opened']);
    expect(forPeople.every((r) => r.notification === 'incident')).toBe(true);
    const all = await received(everything.url);
    const alerts = all.filter((r) => r.notification === 'alert');
    expect(new Set(alerts.map((r) => r.alertId)).size).toBeGreaterThanOrEqual(360 + 57);
    expect(all.filter((r) => r.notification === 'incident')).toHaveLength(4);

    // The budgeted subscriber: one a window; the rest wait for the window's end (the last test).
    paged = (await received(pager.url)).map((p) => p.alertId);
    expect(paged.length).toBeGreaterThanOrEqual(1);
    expect(paged.length).toBeLessThanOrEqual(2);
    notifiedPeople = forPeople.map((r) => r.alertId);
  });

  it('sends no notification again when every stream is read again from its trim horizon', async () => {
    await (await startLocalRuntime({ stackName: STACK, log: () => undefined, fromStart: true })).runUntilIdle(2000);

    expect(await received(people.url)).toEqual([]);
    expect(await received(pager.url)).toEqual([]);
  });

  it('sends the budgeted subscriber what its budget held back in a digest once the window has ended: each notification once', async () => {
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const sweep = await startLocalRuntime({ stackName: STACK, log: () => undefined });
    await sweep.fireSchedules();
    await sweep.runUntilIdle(500);

    // The sweep lets time pass for the entities too: a reminder may come beside the digests.
    const digests = (await received(pager.url)).filter((m) => m.notification === 'digest');
    expect(digests.length).toBeGreaterThanOrEqual(1);
    const held = digests.flatMap((d) => d.held ?? []);
    expect([...paged, ...held].sort()).toEqual([...notifiedPeople].sort());
  });
});
