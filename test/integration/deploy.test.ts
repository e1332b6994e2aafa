import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LocalDeployResult } from '../../local/deploy';
import { isMoto } from '../../local/deploy';
import { createSubscriberQueue, deploySubscribedStack, removeStackFiles } from '../support/subscribed-stack';

/**
 * `cdk deploy` of the whole stack into the emulator the suite started, then every resource read back
 * through the service APIs. The event source mapping settings are proven on the default synth by
 * test/unit/infra/stack.test.ts: an emulator deploy leaves the mappings out.
 */
const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
const config = { endpoint, region: 'us-east-1' };
const STACK = `RiskstreamDeploy${Date.now().toString(36)}`;
const NAME = `rs${Date.now().toString(36)}`;

describe('cdk deploy into the emulator', () => {
  let result: LocalDeployResult;
  let subscriberQueueArn: string;

  beforeAll(async () => {
    subscriberQueueArn = (await createSubscriberQueue(`${NAME}-subscriber`)).arn;
    result = await deploySubscribedStack({
      stackName: STACK,
      outdir: mkdtempSync(join(tmpdir(), 'riskstream-deploy-')),
      config: {
        name: NAME,
        streams: { transactions: { shardCount: 2 } },
        subscriptions: {
          email: [{ address: 'oncall@example.com', minSeverity: 'critical' }],
          sms: [{ phoneNumber: '+4915112345678', minSeverity: 'warning', kinds: ['fraud'] }],
        },
        alarms: { iteratorAgeMs: 90_000, quarantineDepth: 25 },
      },
      subscribers: [{ queueArn: subscriberQueueArn, minSeverity: 'info' }],
    });
    process.stdout.write(`deployed ${result.resourceCount} resources to ${result.emulator} in ${result.seconds.toFixed(1)} s\n`);
  }, 300_000);

  afterAll(() => removeStackFiles(STACK));

  it('reaches CREATE_COMPLETE and says which gaps of the emulator it filled', async () => {
    const moto = await isMoto(endpoint);
    expect(result.outputs['StateTableName']).toBe(`${NAME}-state`);
    expect(result.resourceCount).toBeGreaterThan(40);
    if (!moto) return; // LocalStack creates everything itself: nothing to fill
    const types = new Set(result.fixes.map((f) => f.type));
    expect(types).toEqual(
      new Set([
        'AWS::Kinesis::Stream',
        'AWS::DynamoDB::Table',
        'AWS::SQS::QueuePolicy',
        'AWS::SNS::TopicPolicy',
        'AWS::SNS::Subscription',
        'AWS::CloudWatch::Alarm',
      ]),
    );
    const template = JSON.parse(readFileSync(result.templatePath, 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::Lambda::EventSourceMapping')).toBe(false);
  });

  it('has both streams encrypted with the stack key, with their shard counts', async () => {
    const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
    const transactions = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: result.outputs['TransactionsStreamName'] }));
    const readings = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: result.outputs['ReadingsStreamName'] }));
    expect(transactions.StreamDescriptionSummary).toMatchObject({
      OpenShardCount: 2,
      EncryptionType: 'KMS',
      KeyId: expect.stringMatching(/^arn:aws:kms:/),
    });
    expect(readings.StreamDescriptionSummary).toMatchObject({ OpenShardCount: 1, EncryptionType: 'KMS' });
  });

  it('has TTL on both tables and a NEW_IMAGE stream on the outbox', async () => {
    const dynamodb = new DynamoDBClient(config);
    for (const table of [result.outputs['StateTableName'], result.outputs['AlertsTableName']]) {
      const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));
      expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    }
    const outbox = await dynamodb.send(new DescribeTableCommand({ TableName: result.outputs['AlertsTableName'] }));
    expect(outbox.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  });

  it('subscribes email, SMS and SQS to the alerts topic with filter policies from the configuration', async () => {
    const sns = new SNSClient(config);
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: result.outputs['AlertsTopicArn'] }));
    const policies = new Map<string, unknown>();
    for (const s of Subscriptions) {
      const attributes = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }));
      policies.set(`${s.Protocol}:${s.Endpoint}`, JSON.parse(attributes.Attributes?.['FilterPolicy'] ?? '{}'));
    }
    expect(Object.fromEntries(policies)).toEqual({
      // People have a budget: they take what publish-alerts addresses to them (it applies their
      // severity, kinds and types). The SQS subscriber has none: its own filter, and nobody else's messages.
      'email:oncall@example.com': { recipient: ['email-1'] },
      'sms:+4915112345678': { recipient: ['sms-1'] },
      [`sqs:${subscriberQueueArn}`]: { severity: ['info', 'warning', 'critical'], recipient: [{ exists: false }] },
    });
    expect(result.outputs['OpsTopicArn']).toMatch(new RegExp(`:${NAME}-ops$`));
  });

  it('has the quarantine and the three DLQs, encrypted, keeping messages 14 days', async () => {
    const sqs = new SQSClient(config);
    for (const output of ['QuarantineQueueUrl', 'TransactionsDlqUrl', 'ReadingsDlqUrl', 'OrdersDlqUrl', 'PublishAlertsDlqUrl']) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: result.outputs[output], AttributeNames: ['All'] }),
      );
      expect(Attributes).toMatchObject({ KmsMasterKeyId: expect.any(String), MessageRetentionPeriod: String(14 * 86_400) });
      expect(JSON.parse(Attributes['Policy'] ?? '{}').Statement).toEqual([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]);
    }
  });

  it('has the dashboard and the alarms with their thresholds, acting on the ops topic', async () => {
    const cloudwatch = new CloudWatchClient(config);
    const dashboard = await cloudwatch.send(new GetDashboardCommand({ DashboardName: result.outputs['DashboardName'] }));
    expect(JSON.parse(dashboard.DashboardBody ?? '{}').widgets.length).toBeGreaterThan(10);
    const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: NAME }));
    // 25 (join-orders' errors, throttles, iterator age, failed records and DLQ among them), plus one on
    // alerts publish-alerts cannot read and one on configuration errors per function on a stream.
    expect(MetricAlarms).toHaveLength(30);
    expect(MetricAlarms.filter((a) => /ConfigurationErrors/.test(a.AlarmName ?? '')).map((a) => a.Threshold)).toEqual([1, 1, 1, 1]);
    const threshold = (fragment: string) => MetricAlarms.filter((a) => a.AlarmName?.includes(fragment)).map((a) => a.Threshold);
    expect(threshold('Iterator-Age')).toEqual([90_000, 90_000, 90_000, 90_000]);
    expect(MetricAlarms.filter((a) => a.AlarmName?.includes('JoinOrders')).length).toBeGreaterThanOrEqual(5);
    expect(threshold('Quarantine-Queue')).toEqual([24]);
    for (const alarm of MetricAlarms) expect(alarm.AlarmActions).toEqual([result.outputs['OpsTopicArn']]);
  });

  it('configures the deployed functions with their resources', async () => {
    const lambda = new LambdaClient(config);
    const scorer = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${NAME}-score-transactions` }));
    // (moto records every function as x86_64 whatever the template says; arm64 is asserted on the synth.)
    expect(scorer).toMatchObject({ Runtime: 'nodejs22.x', MemorySize: 512, Timeout: 60 });
    expect(scorer.Environment?.Variables).toMatchObject({
      STATE_TABLE: `${NAME}-state`,
      ALERTS_TABLE: `${NAME}-alerts`,
      COMMIT_MODE: 'conditional',
    });
    const publisher = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${NAME}-publish-alerts` }));
    expect(publisher.Environment?.Variables?.['ALERTS_TOPIC_ARN']).toBe(result.outputs['AlertsTopicArn']);
  });
});
