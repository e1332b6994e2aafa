import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { incidentsCommand } from '../../cli/commands/incidents';
import { produceCommand } from '../../cli/commands/produce';
import type { DeployedStack } from '../../local/runtime/runtime';
import { openDeployedStack, startLocalRuntime } from '../../local/runtime/runtime';
import type { StoredEntity } from '../../shared/adapters/dynamodb-items';
import { entityKey, entityStateOf } from '../../shared/adapters/dynamodb-items';
import { runCommand } from '../support/command-io';
import { dynamodb } from '../support/resources';
import type { Queue } from '../support/subscribed-stack';
import { createSubscriberQueue, deploySubscribedStack, receivedNotifications, removeStackFiles } from '../support/subscribed-stack';

/**
 * Incidents through the deployed pipeline on moto, one stack for both parts (a deploy is the slow
 * step), each part on a device of its own:
 *
 * - the sweep: a device that overheats and then goes silent gets its incident resolved by the sweep
 *   (the scheduled function of the default synth, which the local runtime fires), with a 15-second
 *   quiet period so the test need not wait 10 minutes; the resolution reaches the subscriber once,
 *   however often the sweep runs;
 * - `riskstream incidents`: three readings at 95° open one incident, which `incidents list` shows;
 *   `incidents ack` stores the acknowledgement and puts a control record into the readings stream,
 *   and the scorer, run again, writes it into the device's item.
 *
 * The sweep runs first (jest runs a file's tests in order): its subscriber expects exactly its own
 * device's notifications, and `incidents list` expects exactly one open incident, which holds once
 * the sweep resolved its device. The CLI's readings are a minute apart, as they always were: they
 * signal, so the short quiet period resolves nothing between them, and their gap keeps the incident
 * open under the sweep for two minutes.
 */
const STACK = `RiskstreamIncidents${Date.now().toString(36)}`;
const NAME = `ri${Date.now().toString(36)}`;
const QUIET_MS = 15_000;
const SILENT_DEVICE = 'sensor-silent';
const HOT_DEVICE = 'sensor-hot';
const MINUTE = 60_000;
// Dated before now: the scorers refuse events dated after their arrival (beyond the skew).
const NOW = Date.now();
const hotReadings = [3, 2, 1].map((ago) => ({
  deviceId: HOT_DEVICE,
  temperature: 95,
  timestamp: new Date(NOW - ago * MINUTE).toISOString(),
}));

describe('incidents through the deployed pipeline on moto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-incidents-'));
  const quiet = () => undefined;
  let people: Queue;
  let stack: DeployedStack;

  /** The deployed functions from their streams until nothing new comes (the synth is the one opened once). */
  const runtime = () => startLocalRuntime({ stackName: STACK, stack, log: quiet });
  const transitions = async (): Promise<string[]> =>
    (await receivedNotifications<{ entity: { id: string }; incident?: { transition: string } }>(people.url)).map(
      ({ message }) => `${message.entity.id}:${message.incident?.transition ?? 'alert'}`,
    );

  beforeAll(async () => {
    people = await createSubscriberQueue(`${NAME}-people`);
    await deploySubscribedStack({
      stackName: STACK,
      config: { name: NAME, rules: { readings: { incidents: { quietPeriod: '15s', remindEvery: '1h' } } } },
      subscribers: [{ queueArn: people.arn, minSeverity: 'warning', notifications: ['incident'] }],
    });
    stack = await openDeployedStack(STACK, quiet);
  }, 300_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    removeStackFiles(STACK);
  });

  describe('the incidents sweep', () => {
    it('resolves the incident of a device gone silent once its quiet period has passed, and once only', async () => {
      const now = Date.now();
      const readings = [0, 1, 2].map((i) => ({
        deviceId: SILENT_DEVICE,
        temperature: 95,
        timestamp: new Date(now - 3_000 + i * 1_000).toISOString(),
      }));
      const file = join(dir, 'silent.jsonl');
      writeFileSync(file, readings.map((r) => JSON.stringify(r)).join('\n'));
      expect((await runCommand(produceCommand, ['--file', file, '--as-is', '--stack', STACK], [])).code).toBe(0);
      await (await runtime()).runUntilIdle(1500);
      expect(await transitions()).toEqual([`${SILENT_DEVICE}:opened`]);

      // Silence for the quiet period, then two sweeps: the first resolves, the second finds nothing due.
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS + 1_000));
      const later = await runtime();
      await later.fireSchedules();
      await later.fireSchedules();
      await later.runUntilIdle(1500);

      expect(await transitions()).toEqual([`${SILENT_DEVICE}:resolved`]);
      const item = await dynamodb.send(
        new GetItemCommand({ TableName: stack.outputs['StateTableName'], Key: { pk: { S: `device#${SILENT_DEVICE}` } } }),
      );
      const device = unmarshall(item.Item ?? {});
      expect(device['incidents']).toBeUndefined();
      // Out of the incidents index: the next sweep does not look at it again.
      expect(device['due']).toBeUndefined();
    }, 120_000);
  });

  describe('riskstream incidents', () => {
    const runPipeline = async () => (await runtime()).runUntilIdle(1000);
    const incidents = (...argv: string[]) => runCommand(incidentsCommand, [...argv, '--stack', STACK], []);

    it('lists the incident hot readings opened, acknowledges it, and the scorer applies the acknowledgement', async () => {
      // Arrange: three readings at 95° through the pipeline.
      const file = join(dir, 'hot.jsonl');
      writeFileSync(file, hotReadings.map((r) => JSON.stringify(r)).join('\n'));
      expect((await runCommand(produceCommand, ['--file', file, '--stack', STACK], [])).code).toBe(0);
      await runPipeline();
      const empty = await incidents('list', '--type', 'user');
      const listed = await incidents('list', '--json');
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      const lines = listed.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      const open = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;

      // Act
      const acked = await incidents('ack', String(open['incidentId']));
      await runPipeline();

      // Assert
      expect(empty.stdout).toBe('no open incidents\n');
      expect(open).toMatchObject({
        entityType: 'device',
        entityId: HOT_DEVICE,
        cause: 'temperature',
        severity: 'critical',
        events: 3,
        worst: 95,
      });
      expect(open).not.toHaveProperty('acknowledgedAt');
      expect(acked.code).toBe(0);
      expect(acked.stdout).toBe(
        `acknowledged incident ${String(open['incidentId'])} (temperature on device ${HOT_DEVICE}): reminders stop; the pipeline applies it within seconds (a control record follows it into the stream)\n`,
      );
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: stack.outputs['StateTableName'], Key: entityKey('device', HOT_DEVICE), ConsistentRead: true }),
      );
      const state = entityStateOf(unmarshall(Item ?? {}) as StoredEntity<unknown>);
      expect(state.incidents?.['temperature']).toMatchObject({ id: open['incidentId'], acknowledgedAt: expect.any(Number) });
      const shown = await incidents('show', String(open['incidentId']));
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^acknowledged\s+\d{4}-\d\d-\d\dT/m);
      expect(shown.stdout).toContain(`acknowledgement of incident ${String(open['incidentId'])} (temperature): applied`);
      const again = await incidents('ack', String(open['incidentId']));
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/was already acknowledged at .*: nothing to do/);
    });

    it('refuses to act on an incident that is not open, naming its id', async () => {
      // Act
      const result = await incidents('resolve', 'no-such-incident');

      // Assert
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('no open incident has the id "no-such-incident"');
    });
  });
});
