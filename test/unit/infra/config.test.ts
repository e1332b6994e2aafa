import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployConfigError, loadDeployConfig, mergeConfig, parseDeployConfig } from '../../../infra/config';

describe('deploy configuration', () => {
  it('has defaults for everything', () => {
    const config = parseDeployConfig({});

    expect(config).toMatchObject({
      name: 'riskstream',
      emulator: false,
      streams: { transactions: { mode: 'provisioned', shardCount: 1, retention: 7 * 86_400_000 } },
      mappings: { transactions: { batchSize: 100, bisectBatchOnError: true, retryAttempts: 10 }, publishAlerts: { batchSize: 50 } },
      commitMode: 'conditional',
      subscriptions: { email: [], sms: [], sqs: [], https: [] },
    });
    expect(config.rules.transactions.largeAmount.amount).toBe(1000);
  });

  it('layers a JSON file, then the riskstream context (object or JSON string), then the emulator flag', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'riskstream-config-')), 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'fromfile',
        streams: { transactions: { shardCount: 3 } },
        rules: { transactions: { largeAmount: { amount: 2000 } } },
      }),
    );

    const config = loadDeployConfig({
      file,
      riskstream: JSON.stringify({ streams: { transactions: { retention: '48h' } } }),
      emulator: 'true',
    });

    expect(config.name).toBe('fromfile');
    expect(config.streams.transactions).toEqual({ mode: 'provisioned', shardCount: 3, retention: 48 * 3_600_000 });
    expect(config.rules.transactions.largeAmount.amount).toBe(2000);
    expect(config.emulator).toBe(true);
  });

  it('names every bad field at synth time', () => {
    const bad = {
      name: 'Bad Name',
      mappings: { transactions: { batchSize: 0, maxRecordAge: '5x' } },
      subscriptions: { email: [{ address: 'not-an-email' }], sms: [{ phoneNumber: '0151' }] },
      rules: { transactions: { velocity: { maxCnt: 3 } } },
      alarms: { dlqDepth: 0 },
      typo: true,
    };

    expect(() => parseDeployConfig(bad)).toThrow(DeployConfigError);
    let message = '';
    try {
      parseDeployConfig(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'name:',
      'mappings.transactions.batchSize',
      'mappings.transactions.maxRecordAge',
      'subscriptions.email.0.address',
      'subscriptions.sms.0.phoneNumber',
      'rules.transactions.velocity.maxCnt',
      'alarms.dlqDepth',
      'typo',
    ]) {
      expect(message).toContain(field);
    }
  });

  it('gives people a budget by default, machines none, and checks budgets and names', () => {
    const config = parseDeployConfig({
      subscriptions: {
        email: [{ address: 'oncall@example.com' }],
        sms: [{ phoneNumber: '+4915112345678', name: 'alice' }],
        sqs: [{ queueArn: 'arn:aws:sqs:eu-central-1:123456789012:q' }],
      },
    });
    expect(config.subscriptions.email[0]?.budget).toEqual({ notifications: 5, per: 300_000 });
    expect(config.subscriptions.sms[0]?.budget).toEqual({ notifications: 10, per: 3_600_000 });
    expect(config.subscriptions.sqs[0]?.budget).toBe(false);
    expect(() =>
      parseDeployConfig({ subscriptions: { sms: [{ phoneNumber: '+4915112345678', budget: { notifications: 5, per: '2d' } }] } }),
    ).toThrow(/subscriptions\.sms\.0\.budget\.per: must be from 1s to 1d/);
    expect(() =>
      parseDeployConfig({
        subscriptions: {
          sms: [{ phoneNumber: '+4915112345678', name: 'oncall' }],
          email: [{ address: 'oncall@example.com', name: 'oncall' }],
        },
      }),
    ).toThrow(/the name "oncall" is given to two subscribers/);
    expect(() => parseDeployConfig({ subscriptions: { sms: [{ phoneNumber: '+4915112345678', name: 'Alice Smith' }] } })).toThrow(
      /subscriptions\.sms\.0\.name: must be lowercase/,
    );
  });

  it('reports a config file that is not JSON with its path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'riskstream-config-')), 'broken.json');
    writeFileSync(file, '{ nope');

    expect(() => loadDeployConfig({ file })).toThrow(new RegExp(`config file ${file}`));
  });

  it('merges objects deeply and lets arrays and values replace', () => {
    expect(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: 2 });
  });

  // Beyond its window, a redelivered transaction is recognised by its stored decision.
  it('refuses to keep decisions for less time than the stream can deliver a record again', () => {
    const parse = () => parseDeployConfig({ streams: { transactions: { retention: '7d' } }, rules: { retention: { decisions: '3d' } } });

    expect(parse).toThrow(DeployConfigError);
    expect(parse).toThrow(/rules\.retention\.decisions must be at least streams\.transactions\.retention plus/);
  });

  it('accepts decisions kept as long as the stream plus the lateness', () => {
    const config = parseDeployConfig({ streams: { transactions: { retention: '1d' } }, rules: { retention: { decisions: '2d' } } });

    expect(config.rules.retention.decisions).toBe(2 * 86_400_000);
  });

  it("invokes the mappings without a batching window by default, and takes one in whole seconds up to Lambda's 300", () => {
    const window = (value: unknown) =>
      parseDeployConfig({ mappings: { transactions: { maxBatchingWindow: value } } }).mappings.transactions;

    expect(parseDeployConfig({}).mappings).toMatchObject({
      transactions: { maxBatchingWindow: 0 },
      readings: { maxBatchingWindow: 0 },
      publishAlerts: { maxBatchingWindow: 0 },
    });
    expect(window('2s').maxBatchingWindow).toBe(2_000);
    expect(window(0).maxBatchingWindow).toBe(0);
    expect(() => window('500ms')).toThrow(/mappings\.transactions\.maxBatchingWindow: must be whole seconds from 0 to 300/);
    expect(() => window('6m')).toThrow(/whole seconds from 0 to 300/);
  });
});
