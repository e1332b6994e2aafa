import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { backtestCommand } from '../../cli/commands/backtest';
import { labelCommand } from '../../cli/commands/label';
import { rulesCommand } from '../../cli/commands/rules';
import type { LocalRuntime } from '../../local/runtime/runtime';
import { startLocalRuntime } from '../../local/runtime/runtime';
import { ALERT_KEY, decisionKey } from '../../shared/adapters/dynamodb-items';
import { alertId } from '../../shared/domain/alerts';
import { runCommand } from '../support/command-io';
import { dynamodb } from '../support/resources';
import { deploySubscribedStack, removeStackFiles } from '../support/subscribed-stack';

/**
 * Rules as versioned data through the deployed pipeline on moto, while it runs: a candidate that
 * lowers the large-amount line is proposed and promoted with the CLI, and the running scorers
 * (never redeployed, never restarted) judge with it within 30 s; every decision and alert says
 * which version made it; a rollback brings the old version back the same way.
 */
const STACK = `RiskstreamRules${Date.now().toString(36)}`;
const NAME = `rr${Date.now().toString(36)}`;

describe('rules versions through the running pipeline on moto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-rules-'));
  let runtime: LocalRuntime;
  let running: Promise<void>;
  let stream = '';
  let stateTable = '';
  let alertsTable = '';
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  let sent = 0;

  const rules = (...args: string[]) => runCommand(rulesCommand, [...args, '--stack', STACK], []);

  /** Puts a 700 payment (under the deploy's large-amount line, 1,000) by a user of its own (no velocity), and returns it. */
  const pay = async (amount = 700): Promise<{ userId: string; transactionId: string }> => {
    const n = sent++;
    const payment = { transactionId: `rules-${n}`, userId: `user-rules-${n}` };
    const event = { ...payment, amount, country: 'DE', timestamp: new Date(Date.now() - 1000).toISOString() };
    await kinesis.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: payment.userId, Data: Buffer.from(JSON.stringify(event)) }),
    );
    return payment;
  };
  const decision = async ({ userId, transactionId }: { userId: string; transactionId: string }) => {
    const item = (
      await dynamodb.send(new GetItemCommand({ TableName: stateTable, Key: decisionKey(userId, transactionId), ConsistentRead: true }))
    ).Item;
    return item ? (unmarshall(item) as { rulesVersion?: number; action: string; reasons: Array<{ rule: string }> }) : undefined;
  };
  /** Pays every second until a decision made with `version` comes back; how long that took from `since`. */
  const untilDecidedWith = async (version: number, since: number) => {
    for (;;) {
      const payment = await pay();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const found = await decision(payment);
      if (found?.rulesVersion === version) return { payment, decision: found, ms: Date.now() - since };
      if (Date.now() - since > 60_000) throw new Error(`no decision with rules version ${version} after 60 s`);
    }
  };

  /** The incident an event opened, from its notification in the alerts table, once the scorer has stored it. */
  const untilIncidentOpenedBy = async (eventId: string, since: number): Promise<string> => {
    for (;;) {
      const items = (await dynamodb.send(new ScanCommand({ TableName: alertsTable, FilterExpression: 'attribute_exists(incident)' })))
        .Items;
      const opened = (items ?? [])
        .map((item) => unmarshall(item) as { eventIds: string[]; incident: { id: string; transition: string } })
        .find((n) => n.incident.transition === 'opened' && n.eventIds.includes(eventId));
      if (opened) return opened.incident.id;
      if (Date.now() - since > 90_000) throw new Error(`no incident opened by ${eventId}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  beforeAll(async () => {
    const deployed = await deploySubscribedStack({ stackName: STACK, config: { name: NAME } });
    stream = deployed.outputs['TransactionsStreamName'] ?? '';
    stateTable = deployed.outputs['StateTableName'] ?? '';
    alertsTable = deployed.outputs['AlertsTableName'] ?? '';
    runtime = await startLocalRuntime({ stackName: STACK, log: () => undefined, schedules: false });
    running = runtime.start();
  }, 300_000);

  afterAll(async () => {
    await runtime.stop();
    await running;
    removeStackFiles(STACK);
  });

  it('judges with the deploy’s rules as version 1 before any version is stored', async () => {
    const { decision: first } = await untilDecidedWith(1, Date.now());
    expect(first.reasons).toEqual([]);
    const history = await rules('history');
    expect(history.stdout).toMatch(/^1\tlive\t\(not stored yet\)/m);
  });

  it('stores a candidate that changes nothing live until it is promoted', async () => {
    const file = join(dir, 'lower.json');
    writeFileSync(file, JSON.stringify({ transactions: { largeAmount: { amount: 500 } } }));
    const proposed = await rules('propose', file, '--note', 'catch mid-size fraud');
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toContain('version 2 stored, the candidate');
    expect(proposed.stdout).toContain('transactions.largeAmount.amount: 1000 → 500');
    expect((await rules('history')).stdout).toMatch(/^2\tcandidate\t.*\tover 1\tcatch mid-size fraud$/m);
    expect((await rules('diff', '1', '2')).stdout).toBe('transactions.largeAmount.amount: 1000 → 500\n');

    // Still version 1 deciding.
    const payment = await pay();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await decision(payment))?.rulesVersion).toBe(1);
  });

  it('runs the candidate in shadow on live traffic: the shadow report and a backtest show what it would change', async () => {
    // A decision the candidate judged in shadow (the scorers read the head again within 15 s).
    let shadowed: { userId: string; transactionId: string } | undefined;
    const since = Date.now();
    while (!shadowed) {
      const payment = await pay();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const found = (await decision(payment)) as {
        rulesVersion?: number;
        action: string;
        shadow?: { rulesVersion: number; action: string };
      };
      if (found?.shadow?.rulesVersion === 2) {
        expect(found).toMatchObject({ rulesVersion: 1, action: 'approve', shadow: { action: 'manual_review_required' } });
        shadowed = payment;
      }
      if (Date.now() - since > 60_000) throw new Error('no decision judged in shadow after 60 s');
    }
    expect((await runCommand(labelCommand, [shadowed.transactionId, 'fraud', '--stack', STACK], [])).code).toBe(0);
    // A payment over the live line opens an incident; the analyst calls the incident legit, not the payment.
    const big = await pay(2_000);
    const incident = await untilIncidentOpenedBy(big.transactionId, since);
    expect((await runCommand(labelCommand, [incident, 'legit', '--stack', STACK], [])).code).toBe(0);

    const report = await rules('shadow-report', '--since', '10m');
    const json = JSON.parse((await rules('shadow-report', '--since', '10m', '--json')).stdout) as {
      candidate: number;
      flips: Record<string, number>;
      labels: { labelled: number; unmatched: number; rules: { candidate: Record<string, { truePositives: number; flagged: number }> } };
    };
    const backtest = await runCommand(backtestCommand, ['--rules', join(dir, 'lower.json'), '--since', '10m', '--stack', STACK], []);

    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/events? judged by the live rules and, in shadow, by version 2/);
    expect(report.stdout).toMatch(/approve → manual_review_required: \d+\n {4}rules-\d+ at /);
    expect(report.stdout).toMatch(/against 2 labelled events \(1 fraud\)/);
    expect(json.candidate).toBe(2);
    expect(json.flips['approve → manual_review_required']).toBeGreaterThanOrEqual(1);
    expect(json.labels).toMatchObject({ labelled: 2, unmatched: 0 });
    expect(json.labels.rules.candidate['largeAmount']).toMatchObject({ truePositives: 1, flagged: 2 });
    expect(backtest.code).toBe(0);
    expect(backtest.stdout).toMatch(/approve → manual_review_required: \d+/);
    process.stdout.write(`shadow report:\n${report.stdout}\n`);
  });

  it('has the running scorers judge with a promoted version within 30 s, its decisions and alerts saying so', async () => {
    expect((await rules('promote', '3')).stderr).toContain('the candidate is version 2, not 3');
    const promoted = await rules('promote', '2');
    expect(promoted.stdout).toContain('version 2 is live (was 1)');
    const { payment, decision: judged, ms } = await untilDecidedWith(2, Date.now());

    expect(ms).toBeLessThan(30_000);
    expect(judged.reasons.map((r) => r.rule)).toContain('largeAmount');
    const severity = { block: 'critical', manual_review_required: 'warning', approve: 'info' }[judged.action];
    const alert = await dynamodb.send(
      new GetItemCommand({
        TableName: alertsTable,
        Key: { [ALERT_KEY]: { S: alertId('fraud', payment.userId, `txn:${payment.transactionId}:${severity}`) } },
        ConsistentRead: true,
      }),
    );
    expect(alert.Item?.['rulesVersion']?.N).toBe('2');
    process.stdout.write(`promote → first decision with version 2: ${ms} ms\n`);
  });

  it('rolls back to version 1 with one command, the same way', async () => {
    expect((await rules('rollback', '1')).stdout).toContain('version 1 is live again (was 2)');
    const { decision: judged, ms } = await untilDecidedWith(1, Date.now());
    expect(ms).toBeLessThan(30_000);
    expect(judged.reasons).toEqual([]);
    expect((await rules('show', '--json')).stdout).toContain('"amount":1000');
  });

  it('refuses an invalid proposal with the field it gets wrong, storing nothing', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ transactions: { largeAmount: { amount: -5 } } }));
    const refused = await rules('propose', file, '--note', 'typo');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('transactions.largeAmount.amount');
    const history = (await rules('history')).stdout;
    expect(history.trim().split('\n')).toHaveLength(3); // header, 1, 2
    expect(history).toMatch(/^1\tlive\t/m);
    expect(history).toMatch(/^2\twas live\t/m);
    // Only a version that was live can come back.
    expect((await rules('rollback', '7')).stderr).toContain('version 7 was never live');
  });
});
