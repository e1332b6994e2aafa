import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseDeployConfig } from '../../../infra/config';
import { RiskstreamStack } from '../../../infra/stack';
import type { CfnTemplate } from '../../../local/emulator-gaps';
import { assetDirsOf, LAMBDA_STREAM_DEFAULTS, mappingsFromTemplate } from '../../../local/runtime/functions/mappings';
import type { MappingSpec } from '../../../local/runtime/types';

/** The default (AWS) synth, in-process; esbuild skipped as in test/unit/infra/stack.test.ts. */
function defaultTemplate(): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RiskstreamStack(app, 'Test', { config: parseDeployConfig({}), env: { account: '123456789012', region: 'us-east-1' } });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

/** What DescribeStackResources of the emulator deploy says, as moto records it (queues as URLs, topics as ARNs). */
const PHYSICAL_IDS: ReadonlyMap<string, string> = new Map([
  ['StreamsTransactionsA13B412E', 'riskstream-transactions'],
  ['StreamsReadings9B3DE1A6', 'riskstream-readings'],
  ['StateStateTableF3A31AD6', 'riskstream-state'],
  ['StateAlertsTableB6DC9916', 'riskstream-alerts'],
  ['ScoringQuarantine534FA67E', 'https://sqs.us-east-1.amazonaws.com/123456789012/riskstream-quarantine'],
  ['ScoringTransactionsDlqABC43263', 'https://sqs.us-east-1.amazonaws.com/123456789012/riskstream-score-transactions-dlq'],
  ['ScoringReadingsDlq75A6867E', 'https://sqs.us-east-1.amazonaws.com/123456789012/riskstream-score-readings-dlq'],
  ['AlertingPublishAlertsDlq8048086B', 'https://sqs.us-east-1.amazonaws.com/123456789012/riskstream-publish-alerts-dlq'],
  ['ScoringScoreTransactionsA1225FF1', 'riskstream-score-transactions'],
  ['ScoringScoreReadings57168B14', 'riskstream-score-readings'],
  ['AlertingPublishAlertsA73675DB', 'riskstream-publish-alerts'],
  ['AlertingAlertsTopic634A5F34', 'arn:aws:sns:us-east-1:123456789012:riskstream-alerts'],
  ['MonitoringOpsTopicA6651D61', 'arn:aws:sns:us-east-1:123456789012:riskstream-ops'],
]);

/** The settings infra/config.ts gives every Kinesis mapping by default. */
const KINESIS_DEFAULTS = {
  batchSize: 100,
  maxBatchingWindowMs: 0,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  retryAttempts: 10,
  maxRecordAgeMs: 6 * 3_600_000,
  filterPatterns: [],
} as const;

describe('mappingsFromTemplate on the default synth', () => {
  const template = defaultTemplate();
  const specs = mappingsFromTemplate(template, PHYSICAL_IDS);
  const byFunction = (name: string): MappingSpec | undefined => specs.find((s) => s.functionName === name);

  it('finds the four mappings of the stack', () => {
    expect(specs.map((s) => s.functionName).sort()).toEqual([
      'riskstream-join-orders',
      'riskstream-publish-alerts',
      'riskstream-score-readings',
      'riskstream-score-transactions',
    ]);
  });

  it('turns score-transactions’ mapping into its spec: the stream, every safety setting and the DLQ ARN', () => {
    expect(byFunction('riskstream-score-transactions')).toEqual({
      functionLogicalId: 'ScoringScoreTransactionsA1225FF1',
      functionName: 'riskstream-score-transactions',
      source: {
        kind: 'kinesis',
        streamName: 'riskstream-transactions',
        streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/riskstream-transactions',
      },
      ...KINESIS_DEFAULTS,
      onFailureQueueArn: 'arn:aws:sqs:us-east-1:123456789012:riskstream-score-transactions-dlq',
    });
  });

  it('turns score-readings’ mapping into its spec', () => {
    expect(byFunction('riskstream-score-readings')).toEqual({
      functionLogicalId: 'ScoringScoreReadings57168B14',
      functionName: 'riskstream-score-readings',
      source: {
        kind: 'kinesis',
        streamName: 'riskstream-readings',
        streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/riskstream-readings',
      },
      ...KINESIS_DEFAULTS,
      onFailureQueueArn: 'arn:aws:sqs:us-east-1:123456789012:riskstream-score-readings-dlq',
    });
  });

  it('feeds publish-alerts from the outbox table’s stream, INSERTs only, 50 at a time, with its DLQ', () => {
    expect(byFunction('riskstream-publish-alerts')).toEqual({
      functionLogicalId: 'AlertingPublishAlertsA73675DB',
      functionName: 'riskstream-publish-alerts',
      source: { kind: 'dynamodb', tableName: 'riskstream-alerts' },
      ...KINESIS_DEFAULTS,
      batchSize: 50,
      filterPatterns: [JSON.stringify({ eventName: ['INSERT'] })],
      onFailureQueueArn: 'arn:aws:sqs:us-east-1:123456789012:riskstream-publish-alerts-dlq',
    });
  });

  it('names what was deployed: the physical ids win over the template’s names, and the ARNs use the given region and account', () => {
    const renamed = new Map(PHYSICAL_IDS);
    renamed.set('ScoringScoreTransactionsA1225FF1', 'other-score-transactions');
    renamed.set('StreamsTransactionsA13B412E', 'other-transactions');
    renamed.set('ScoringTransactionsDlqABC43263', 'http://localhost:4566/000000000000/other-dlq');
    const spec = mappingsFromTemplate(template, renamed, { region: 'eu-west-1', account: '000000000000' }).find(
      (s) => s.functionLogicalId === 'ScoringScoreTransactionsA1225FF1',
    );
    expect(spec).toMatchObject({
      functionName: 'other-score-transactions',
      source: {
        kind: 'kinesis',
        streamName: 'other-transactions',
        streamArn: 'arn:aws:kinesis:eu-west-1:000000000000:stream/other-transactions',
      },
      onFailureQueueArn: 'arn:aws:sqs:eu-west-1:000000000000:other-dlq',
    });
  });

  it('falls back to the template’s literal names where no physical id is known', () => {
    const specsWithoutIds = mappingsFromTemplate(template, new Map(), { region: 'us-east-1', account: '123456789012' });
    expect(specsWithoutIds).toEqual(specs);
  });

  it('needs a region and account: from the target, or an ARN among the physical ids', () => {
    expect(() => mappingsFromTemplate(template, new Map())).toThrow(/no region and account/);
  });

  it('carries the configuration’s settings', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = parseDeployConfig({
      mappings: {
        readings: {
          batchSize: 500,
          retryAttempts: 3,
          parallelizationFactor: 4,
          maxRecordAge: '1h',
          startingPosition: 'LATEST',
          maxBatchingWindow: '5s',
        },
      },
    });
    const stack = new RiskstreamStack(app, 'Custom', { config, env: { account: '123456789012', region: 'us-east-1' } });
    const custom = mappingsFromTemplate(Template.fromStack(stack).toJSON() as CfnTemplate, PHYSICAL_IDS).find(
      (s) => s.functionName === 'riskstream-score-readings',
    );
    expect(custom).toMatchObject({
      batchSize: 500,
      retryAttempts: 3,
      parallelizationFactor: 4,
      maxRecordAgeMs: 3_600_000,
      startingPosition: 'LATEST',
      maxBatchingWindowMs: 5000,
    });
  });
});

describe('mappingsFromTemplate on hand-written templates', () => {
  const target = { region: 'us-east-1', account: '123456789012' };
  const base = (mapping: Record<string, unknown>): CfnTemplate => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'fn' } },
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'in' } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] },
          StartingPosition: 'LATEST',
          ...mapping,
        },
      },
    },
  });

  it("applies Lambda's defaults to what the template leaves out", () => {
    expect(mappingsFromTemplate(base({}), new Map(), target)).toEqual([
      {
        functionLogicalId: 'Fn',
        functionName: 'fn',
        source: { kind: 'kinesis', streamName: 'in', streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/in' },
        startingPosition: 'LATEST',
        filterPatterns: [],
        ...LAMBDA_STREAM_DEFAULTS,
      },
    ]);
    expect(LAMBDA_STREAM_DEFAULTS).toEqual({
      batchSize: 100,
      maxBatchingWindowMs: 0,
      parallelizationFactor: 1,
      bisectBatchOnError: false,
      reportBatchItemFailures: false,
      retryAttempts: -1,
      maxRecordAgeMs: -1,
    });
  });

  it('accepts the function as Fn::GetAtt Arn, and -1 as "no limit" for the record age', () => {
    const [spec] = mappingsFromTemplate(
      base({ FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, MaximumRecordAgeInSeconds: -1, FunctionResponseTypes: [] }),
      new Map(),
      target,
    );
    expect(spec).toMatchObject({ functionLogicalId: 'Fn', maxRecordAgeMs: -1, reportBatchItemFailures: false });
  });

  it('leaves a disabled mapping out', () => {
    expect(mappingsFromTemplate(base({ Enabled: false }), new Map(), target)).toEqual([]);
  });

  it('refuses what it cannot run rather than running it differently', () => {
    expect(() =>
      mappingsFromTemplate(base({ EventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/elsewhere' }), new Map(), target),
    ).toThrow(/Mapping: EventSourceArn/);
    expect(() => mappingsFromTemplate(base({ TumblingWindowInSeconds: 60 }), new Map(), target)).toThrow(
      /TumblingWindowInSeconds not supported/,
    );
    expect(() => mappingsFromTemplate(base({ StartingPosition: 'AT_TIMESTAMP' }), new Map(), target)).toThrow(/StartingPosition/);
    expect(() =>
      mappingsFromTemplate(base({ DestinationConfig: { OnFailure: { Destination: { Ref: 'Topic' } } } }), new Map(), target),
    ).toThrow(/not an SQS queue/);
    expect(() => mappingsFromTemplate(base({ BatchSize: '10' }), new Map(), target)).toThrow(/BatchSize "10" is not a number/);
  });

  it('needs a name for the queue: a physical id, when the template names none', () => {
    const withDlq = base({ DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Queue', 'Arn'] } } } });
    expect(() => mappingsFromTemplate(withDlq, new Map(), target)).toThrow(/no deployed name for queue Queue/);
    const [spec] = mappingsFromTemplate(withDlq, new Map([['Queue', 'http://localhost:4566/123456789012/Stack-Queue-ABC']]), target);
    expect(spec?.onFailureQueueArn).toBe('arn:aws:sqs:us-east-1:123456789012:Stack-Queue-ABC');
  });
});

describe('assetDirsOf', () => {
  it('maps each function to its bundled asset, relative to the assembly directory', () => {
    const template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Metadata: { 'aws:asset:path': 'asset.abc' } },
        Other: { Type: 'AWS::SQS::Queue', Metadata: { 'aws:asset:path': 'asset.no' } },
        Inline: { Type: 'AWS::Lambda::Function', Properties: {} },
      },
    } as CfnTemplate;
    expect(assetDirsOf(template, '/tmp/out/aws')).toEqual(new Map([['Fn', '/tmp/out/aws/asset.abc']]));
  });
});
