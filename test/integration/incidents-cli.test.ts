import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { incidentsCommand } from '../../cli/commands/incidents';
import { produceCommand } from '../../cli/commands/produce';
import { deployLocal, recordPath, ROOT } from '../../local/deploy';
import type { DeployedStack } from '../../local/runtime/runtime';
import { openDeployedStack, startLocalRuntime } from '../../local/runtime/runtime';
import type { StoredEntity } from '../../shared/adapters/dynamodb-items';
import { entityKey, entityStateOf } from '../../shared/adapters/dynamodb-items';
import { runCommand } from '../support/command-io';
import { dynamodb } from '../support/resources';

/**
 * `riskstream incidents` against the deployed stack on moto: three readings at 95° open one
 * incident, which `incidents list` shows; `incidents ack` stores the acknowledgement and puts a
 * control record into the readings stream, and the scorer, run again, writes it into the device's
 * item.
 */
const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
const STACK = `RiskstreamIncidents${Date.now().toString(36)}`;
const NAME = `ri${Date.now().toString(36)}`;
const DEVICE = 'sensor-hot';
const MINUTE = 60_000;
// Dated before now: the scorers refuse events dated after their arrival (beyond the skew).
const NOW = Date.now();
const readings = [3, 2, 1].map((ago) => ({ deviceId: DEVICE, temperature: 95, timestamp: new Date(NOW - ago * MINUTE).toISOString() }));

describe('riskstream incidents on the deployed stack on moto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-incidents-'));
  const quiet = () => undefined;
  let stack: DeployedStack;

  /** The deployed functions from their streams until nothing new comes (the synth is the one opened once). */
  const runPipeline = async () => (await startLocalRuntime({ stackName: STACK, stack, log: quiet })).runUntilIdle(1000);
  const incidents = (...argv: string[]) => runCommand(incidentsCommand, [...argv, '--stack', STACK], []);

  beforeAll(async () => {
    await deployLocal({
      endpoint,
      stackName: STACK,
      outdir: mkdtempSync(join(tmpdir(), 'riskstream-incidents-cdk-')),
      log: quiet,
      config: { name: NAME },
    });
    stack = await openDeployedStack(STACK, quiet);
  }, 300_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(recordPath(STACK), { force: true });
    for (const file of ['checkpoints.json', 'functions.log']) rmSync(join(ROOT, '.riskstream', `${STACK}.${file}`), { force: true });
  });

  it('lists the incident hot readings opened, acknowledges it, and the scorer applies the acknowledgement', async () => {
    // Arrange: three readings at 95° through the pipeline.
    const file = join(dir, 'hot.jsonl');
    writeFileSync(file, readings.map((r) => JSON.stringify(r)).join('\n'));
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
      entityId: DEVICE,
      cause: 'temperature',
      severity: 'critical',
      events: 3,
      worst: 95,
    });
    expect(open).not.toHaveProperty('acknowledgedAt');
    expect(acked.code).toBe(0);
    expect(acked.stdout).toBe(
      `acknowledged incident ${String(open['incidentId'])} (temperature on device ${DEVICE}): reminders stop; the pipeline applies it within seconds (a control record follows it into the stream)\n`,
    );
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: stack.outputs['StateTableName'], Key: entityKey('device', DEVICE), ConsistentRead: true }),
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
