import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { produceCommand } from '../../cli/commands/produce';
import { deployLocal, readDeployRecord, recordPath, ROOT } from '../../local/deploy';
import { startLocalRuntime } from '../../local/runtime/runtime';
import { runCommand } from '../support/command-io';
import { drainQueue, dynamodb, sqs } from '../support/resources';

/**
 * Time passing without events, through the deployed pipeline on moto: a device that overheats and
 * then goes silent gets its incident resolved by the sweep (the scheduled function of the default
 * synth, which the local runtime fires), with a 15-second quiet period so the test need not wait 10
 * minutes. The resolution reaches the subscriber once, however often the sweep runs.
 */
const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
const STACK = `RiskstreamSweep${Date.now().toString(36)}`;
const NAME = `rw${Date.now().toString(36)}`;
const QUIET_MS = 15_000;

async function transitions(queueUrl: string): Promise<string[]> {
  return (await drainQueue(queueUrl)).map((m) => {
    const alert = JSON.parse(String(m['Message'])) as { entity: { id: string }; incident?: { transition: string } };
    return `${alert.entity.id}:${alert.incident?.transition ?? 'alert'}`;
  });
}

describe('the incidents sweep through the deployed pipeline on moto', () => {
  let queueUrl = '';
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-sweep-'));

  beforeAll(async () => {
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${NAME}-people` }))).QueueUrl ?? '';
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    await deployLocal({
      endpoint,
      stackName: STACK,
      outdir: mkdtempSync(join(tmpdir(), 'riskstream-sweep-cdk-')),
      log: () => undefined,
      config: {
        name: NAME,
        rules: { readings: { incidents: { quietPeriod: '15s', remindEvery: '1h' } } },
        subscriptions: { sqs: [{ queueArn: Attributes?.['QueueArn'] ?? '', minSeverity: 'warning', notifications: ['incident'] }] },
      },
    });
  }, 300_000);

  afterAll(() => {
    rmSync(recordPath(STACK), { force: true });
    rmSync(join(ROOT, '.riskstream', `${STACK}.checkpoints.json`), { force: true });
    rmSync(join(ROOT, '.riskstream', `${STACK}.functions.log`), { force: true });
  });

  it('resolves the incident of a device gone silent once its quiet period has passed, and once only', async () => {
    const now = Date.now();
    const readings = [0, 1, 2].map((i) => ({
      deviceId: 'sensor-silent',
      temperature: 95,
      timestamp: new Date(now - 3_000 + i * 1_000).toISOString(),
    }));
    const file = join(dir, 'hot.jsonl');
    writeFileSync(file, readings.map((r) => JSON.stringify(r)).join('\n'));
    expect((await runCommand(produceCommand, ['--file', file, '--as-is', '--stack', STACK], [])).code).toBe(0);
    const runtime = await startLocalRuntime({ stackName: STACK, log: () => undefined });
    await runtime.runUntilIdle(1500);
    expect(await transitions(queueUrl)).toEqual(['sensor-silent:opened']);

    // Silence for the quiet period, then two sweeps: the first resolves, the second finds nothing due.
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS + 1_000));
    const later = await startLocalRuntime({ stackName: STACK, log: () => undefined });
    await later.fireSchedules();
    await later.fireSchedules();
    await later.runUntilIdle(1500);

    expect(await transitions(queueUrl)).toEqual(['sensor-silent:resolved']);
    const stateTable = readDeployRecord(STACK)?.outputs['StateTableName'] ?? '';
    const item = await dynamodb.send(new GetItemCommand({ TableName: stateTable, Key: { pk: { S: 'device#sensor-silent' } } }));
    const device = unmarshall(item.Item ?? {});
    expect(device['incidents']).toBeUndefined();
    // Out of the incidents index: the next sweep does not look at it again.
    expect(device['due']).toBeUndefined();
  }, 120_000);
});
