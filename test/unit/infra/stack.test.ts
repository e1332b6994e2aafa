import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeployConfigInput } from '../../../infra/config';
import { parseDeployConfig } from '../../../infra/config';
import { RiskstreamStack } from '../../../infra/stack';
import { parseBudgetedSubscribers } from '../../../shared/alerting/budgets';
import { KINDS } from '../../../shared/kinds/registry';

/** Assertion tests skip esbuild (the bundles are built and deployed by the deploy test). */
function synth(
  config: DeployConfigInput = {},
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } }),
): { stack: RiskstreamStack; template: Template } {
  const stack = new RiskstreamStack(app, 'Test', {
    config: parseDeployConfig(config),
    env: { account: '123456789012', region: 'us-east-1' },
  });
  return { stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (template: Template, type: string): Resource[] => Object.values(template.findResources(type)) as Resource[];

describe('event source mappings (default synth, for AWS)', () => {
  const { template } = synth();

  it('names every safety setting on the three Kinesis mappings (the scorers’ and join-orders’), with an on-failure DLQ', () => {
    const kinesis = resources(template, 'AWS::Lambda::EventSourceMapping').filter((m) =>
      JSON.stringify(m.Properties['EventSourceArn']).includes('Streams'),
    );
    expect(kinesis).toHaveLength(3);
    for (const mapping of kinesis) {
      expect(mapping.Properties).toMatchObject({
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 0,
        ParallelizationFactor: 1,
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/Dlq/), 'Arn'] } } },
      });
    }
  });

  it('feeds publish-alerts only new alert items from the outbox stream, with its own DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsTable'), 'StreamArn'] },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('PublishAlertsDlq'), 'Arn'] } } },
    });
  });

  it('takes the settings from the configuration', () => {
    const { template: custom } = synth({
      mappings: {
        transactions: { batchSize: 500, retryAttempts: 3, parallelizationFactor: 4, maxRecordAge: '1h', startingPosition: 'LATEST' },
      },
    });
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumRetryAttempts: 3,
      ParallelizationFactor: 4,
      MaximumRecordAgeInSeconds: 3600,
      StartingPosition: 'LATEST',
    });
  });

  it('leaves every mapping out of an emulator deploy, keeping the functions’ read grants', () => {
    const { template: emulator } = synth({ emulator: true });
    expect(resources(emulator, 'AWS::Lambda::EventSourceMapping')).toEqual([]);
    const statements = resources(emulator, 'AWS::IAM::Policy').flatMap(
      (p) => (p.Properties['PolicyDocument'] as { Statement: Array<{ Action: unknown }> }).Statement,
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'dynamodb:GetRecords', 'sqs:SendMessage']));
  });
});

describe('security by default', () => {
  const { template } = synth();

  it('encrypts streams, tables, queues, topics and log groups with the stack key', () => {
    for (const stream of resources(template, 'AWS::Kinesis::Stream')) {
      expect(stream.Properties['StreamEncryption']).toEqual({
        EncryptionType: 'KMS',
        KeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
      });
    }
    for (const table of resources(template, 'AWS::DynamoDB::Table'))
      expect(table.Properties['SSESpecification']).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    for (const queue of resources(template, 'AWS::SQS::Queue')) expect(queue.Properties['KmsMasterKeyId']).toBeDefined();
    for (const topic of resources(template, 'AWS::SNS::Topic')) expect(topic.Properties['KmsMasterKeyId']).toBeDefined();
    for (const group of resources(template, 'AWS::Logs::LogGroup')) expect(group.Properties['KmsKeyId']).toBeDefined();
    expect(resources(template, 'AWS::SQS::Queue')).toHaveLength(5);
    expect(resources(template, 'AWS::Logs::LogGroup')).toHaveLength(5);
  });

  it('has no IAM statement with a wildcard action, and a wildcard resource only for X-Ray', () => {
    const statements = resources(template, 'AWS::IAM::Policy').flatMap(
      (p) => (p.Properties['PolicyDocument'] as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement,
    );
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      const actions = [statement.Action].flat();
      expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
      // X-Ray's two actions and dynamodb:ListStreams have no resource-level permissions.
      if (statement.Resource === '*') expect(actions.every((a) => a.startsWith('xray:') || a === 'dynamodb:ListStreams')).toBe(true);
    }
    expect(resources(template, 'AWS::IAM::Role').every((r) => r.Properties['ManagedPolicyArns'] === undefined)).toBe(true);
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement carrying a reason', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'riskstream-nag-')), context: { 'aws:cdk:bundling-stacks': [] } });
    const { stack } = synth({}, app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    let report = '';
    try {
      app.synth();
    } catch (error) {
      report = readFileSync(join(app.outdir, 'validation-report.json'), 'utf8');
      throw new Error(`cdk-nag found unacknowledged rules: ${(error as Error).message}\n${report.slice(0, 4000)}`);
    }
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(new Set(acknowledged.map(([rule]) => rule.replace(/^Annotation::/, '')))).toEqual(
      new Set([
        'AwsSolutions-SQS3',
        'AwsSolutions-KDS3',
        'AwsSolutions-L1',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      ]),
    );
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(30);
  });

  it('cdk-nag does fail a stack with an unacknowledged finding (the check is live)', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'riskstream-nag-')) });
    new Queue(new Stack(app, 'Bare'), 'PlainQueue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  it('cfn-lint reports no errors on the synthesized template', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'riskstream-lint-')), context: { 'aws:cdk:bundling-stacks': [] } });
    synth({}, app);
    const assembly = app.synth();
    const templatePath = join(assembly.directory, 'Test.template.json');

    const lint = spawnSync('cfn-lint', ['--format', 'parseable', templatePath], { encoding: 'utf8' });

    expect(lint.error).toBeUndefined(); // cfn-lint must be installed (.ci/run installs it)
    const errors = lint.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
    expect(errors).toEqual([]);
    expect(lint.status !== null && (lint.status & 2) === 0).toBe(true); // bit 2: errors
  });
});

describe('state, alerting and monitoring', () => {
  const { template } = synth({
    subscriptions: {
      email: [{ address: 'oncall@example.com', minSeverity: 'critical' }],
      sms: [{ phoneNumber: '+4915112345678', minSeverity: 'warning', kinds: ['fraud'] }],
    },
    alarms: { iteratorAgeMs: 90_000, quarantineDepth: 25, dlqDepth: 1, failedNotifications: 3 },
    rules: { transactions: { largeAmount: { amount: 5000 } } },
    commitMode: 'single-writer',
  });

  it('keeps TTL on both tables and a NEW_IMAGE stream on the outbox', () => {
    for (const table of resources(template, 'AWS::DynamoDB::Table')) {
      expect(table.Properties['TimeToLiveSpecification']).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      expect(table.Properties['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'riskstream-alerts',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });

  it('gives people a budget: their subscriptions take only what publish-alerts addresses to them, and it knows their filters', () => {
    const policies = Object.fromEntries(
      resources(template, 'AWS::SNS::Subscription').map((s) => [s.Properties['Protocol'] as string, s.Properties['FilterPolicy']]),
    );
    const email = 'email-1';
    const sms = 'sms-1';
    expect(policies['email']).toEqual({ recipient: [email] });
    expect(policies['sms']).toEqual({ recipient: [sms] });
    const publisher = resources(template, 'AWS::Lambda::Function').find(
      (f) => f.Properties['FunctionName'] === 'riskstream-publish-alerts',
    );
    const env = (publisher?.Properties['Environment'] as { Variables: Record<string, string> }).Variables;
    expect(parseBudgetedSubscribers(env['BUDGETED_SUBSCRIBERS'])).toEqual([
      { id: email, protocol: 'email', minSeverity: 'critical', notifications: ['incident'], budget: { notifications: 5, perMs: 300_000 } },
      {
        id: sms,
        protocol: 'sms',
        minSeverity: 'warning',
        kinds: ['fraud'],
        notifications: ['incident'],
        budget: { notifications: 10, perMs: 3_600_000 },
      },
    ]);
    // No personal data in the function's configuration: subscribers go by name (a hash of a number is easily reversed).
    expect(env['BUDGETED_SUBSCRIBERS']).not.toMatch(/oncall|4915112345678|[0-9a-f]{12}/);
  });

  it('builds an unbudgeted subscription’s filter policy from its minimum severity and kinds, and keeps others’ messages from it', () => {
    const { template: unbudgeted } = synth({
      subscriptions: {
        email: [{ address: 'oncall@example.com', minSeverity: 'critical', budget: false }],
        sqs: [{ queueArn: 'arn:aws:sqs:eu-central-1:123456789012:case-tool' }],
      },
    });
    const policies = Object.fromEntries(
      resources(unbudgeted, 'AWS::SNS::Subscription').map((s) => [s.Properties['Protocol'] as string, s.Properties['FilterPolicy']]),
    );
    expect(policies['email']).toEqual({ severity: ['critical'], notification: ['incident'], recipient: [{ exists: false }] });
    expect(policies['sqs']).toEqual({ severity: ['warning', 'critical'], recipient: [{ exists: false }] });
    const publisher = resources(unbudgeted, 'AWS::Lambda::Function').find(
      (f) => f.Properties['FunctionName'] === 'riskstream-publish-alerts',
    );
    expect(
      (publisher?.Properties['Environment'] as { Variables: Record<string, string> }).Variables['BUDGETED_SUBSCRIBERS'],
    ).toBeUndefined();
  });

  it('alarms with the configured thresholds, all to the ops topic', () => {
    const alarms = resources(template, 'AWS::CloudWatch::Alarm');
    const metricNames = (a: Resource) => [
      a.Properties['MetricName'],
      ...((a.Properties['Metrics'] ?? []) as Array<{ MetricStat?: { Metric: { MetricName: string } } }>).map(
        (m) => m.MetricStat?.Metric.MetricName,
      ),
    ];
    const byMetric = (name: string) => alarms.filter((a) => metricNames(a).includes(name));
    expect(byMetric('IteratorAge').map((a) => a.Properties['Threshold'])).toEqual([90_000, 90_000, 90_000, 90_000]);
    // Thresholds are "alarm when it reaches N": the alarms compare with >, so they hold N - 1.
    expect(byMetric('Errors').map((a) => a.Properties['Threshold'])).toEqual([0, 0, 0, 0]);
    expect(byMetric('NumberOfNotificationsFailed').map((a) => a.Properties['Threshold'])).toEqual([2]);
    const depth = byMetric('ApproximateNumberOfMessagesVisible')
      .map((a) => a.Properties['Threshold'])
      .sort();
    expect(depth).toEqual([0, 0, 0, 0, 24]);
    expect(byMetric('WriteThrottleEvents')).toHaveLength(2);
    expect(byMetric('RecordsFailed')).toHaveLength(3);
    // An alert publish-alerts cannot read is never sent: one in five minutes alarms.
    expect(byMetric('AlertsMalformed').map((a) => a.Properties)).toEqual([
      expect.objectContaining({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Namespace: 'riskstream',
        Statistic: 'Sum',
        Period: 300,
        Dimensions: [{ Name: 'service', Value: expect.anything() }],
      }),
    ]);
    // A configuration error fails every batch until a person fixes it: one alarms, for each function.
    expect(byMetric('ConfigurationErrors').map((a) => a.Properties)).toEqual(
      Array(4).fill(
        expect.objectContaining({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Sum', Period: 300 }),
      ),
    );
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm.Properties['AlarmActions'])).toMatch(/OpsTopic/);
      // one breaching datapoint alarms: "reaches N" means within one 5-minute period, not three
      expect(alarm.Properties).toMatchObject({ EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    }
  });

  it('lets only this account’s CloudWatch alarms publish to the encrypted ops topic', () => {
    const policies = resources(template, 'AWS::SNS::TopicPolicy').filter((p) =>
      JSON.stringify(p.Properties['Topics']).includes('OpsTopic'),
    );
    const statements = policies.flatMap((p) => (p.Properties['PolicyDocument'] as { Statement: Array<Record<string, unknown>> }).Statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
        }),
      ]),
    );
  });

  it('grants the scoring functions exactly the DynamoDB actions the state store sends, writing their own kind’s items only', () => {
    for (const [fn, writes] of [
      ['ScoreTransactions', ['user#*', 'txn#*']],
      ['ScoreReadings', ['device#*', 'reading#*']],
    ] as const) {
      const policy = resources(template, 'AWS::IAM::Policy').find((p) => JSON.stringify(p.Properties['Roles']).includes(fn));
      const statements = (
        policy?.Properties['PolicyDocument'] as { Statement: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> }
      ).Statement;
      const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
      expect(dynamo.map((s) => [[s.Action].flat().sort(), JSON.stringify(s.Resource).match(/State(State|Alerts)Table/)?.[1]])).toEqual([
        [['dynamodb:BatchGetItem'], 'State'],
        [['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], 'State'],
        [['dynamodb:GetItem'], 'State'],
        [['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'], 'Alerts'],
      ]);
      // Never an operator's `ops#` item, a budget, or the other kind's items.
      expect(dynamo[1]?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': writes } });
      // The rules versions, read only.
      expect(dynamo[2]?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['rules#*'] } });
    }
  });

  it('grants join-orders its joins’ items only and puts into the outbox, and tells it the join window', () => {
    const policy = resources(template, 'AWS::IAM::Policy').find((p) => JSON.stringify(p.Properties['Roles']).includes('JoinOrders'));
    const statements = (
      policy?.Properties['PolicyDocument'] as { Statement: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> }
    ).Statement;
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => [[s.Action].flat().sort(), JSON.stringify(s.Resource).match(/State(State|Alerts)Table/)?.[1]])).toEqual([
      [['dynamodb:BatchGetItem', 'dynamodb:PutItem'], 'State'],
      [['dynamodb:PutItem'], 'Alerts'],
    ]);
    expect(dynamo[0]?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['order#*'] } });
    const fn = resources(template, 'AWS::Lambda::Function').find((f) => f.Properties['FunctionName'] === 'riskstream-join-orders');
    const env = (fn?.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({ JOIN_WINDOW_MS: String(30 * 60_000), MAX_EVENT_AGE_MS: String(7 * 86_400_000) });
  });

  it('lets publish-alerts send to its own DLQ and read and write the published marks of the outbox, and tells it where they are', () => {
    const publisher = resources(template, 'AWS::Lambda::Function').find(
      (f) => f.Properties['FunctionName'] === 'riskstream-publish-alerts',
    );
    const env = (publisher?.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(env['ALERTS_DLQ_URL'])).toMatch(/PublishAlertsDlq/);
    expect(JSON.stringify(env['ALERTS_TABLE'])).toMatch(/AlertsTable/);
    const policy = resources(template, 'AWS::IAM::Policy').find((p) => JSON.stringify(p.Properties['Roles']).includes('PublishAlerts'));
    const statements = (policy?.Properties['PolicyDocument'] as { Statement: Array<{ Action: string | string[]; Resource: unknown }> })
      .Statement;
    const sends = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringMatching(/PublishAlertsDlq/)]);
    // Item actions only: reading the stream is the mapping's grant (dynamodb:GetRecords and the like).
    const itemAction = /^dynamodb:(Batch\w+Item|GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|ConditionCheckItem)$/;
    const items = statements.filter((s) => [s.Action].flat().some((a) => itemAction.test(a)));
    expect(items.map((s) => [[s.Action].flat().sort(), JSON.stringify(s.Resource).match(/State(State|Alerts)Table/)?.[1]])).toEqual([
      [['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'], 'Alerts'],
      [['dynamodb:PutItem', 'dynamodb:UpdateItem'], 'State'],
    ]);
    // The budgets' items only, never an entity's.
    expect((items[1] as { Condition?: unknown }).Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['budget#*', 'held#*'] },
    });
  });

  it('deploys one scorer per kind, each told its kind, the rules config and the commit mode', () => {
    const scorers = resources(template, 'AWS::Lambda::Function').filter((f) => String(f.Properties['FunctionName']).includes('-score-'));
    const kindOf = (f: (typeof scorers)[number]) =>
      (f.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['EVENT_KIND'];
    expect(scorers.map((f) => [f.Properties['FunctionName'], kindOf(f)])).toEqual(
      KINDS.map((kind) => [`riskstream-score-${kind.stream}`, kind.name]),
    );
    const scorer = scorers.find((f) => f.Properties['FunctionName'] === 'riskstream-score-transactions');
    const env = (scorer?.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.parse(String(env['RULES_CONFIG'])).transactions.largeAmount.amount).toBe(5000);
    expect(env['COMMIT_MODE']).toBe('single-writer');
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['STATE_TABLE', 'ALERTS_TABLE', 'QUARANTINE_QUEUE_URL']));
  });

  it('runs Node.js 22 on arm64 with tracing and its configured memory and timeout', () => {
    for (const fn of resources(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Timeout: 60,
      });
    }
  });

  it('has a dashboard and the outputs a user needs', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'riskstream-operations' });
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'TransactionsStreamName',
        'TransactionsStreamArn',
        'ReadingsStreamArn',
        'StateTableName',
        'AlertsTopicArn',
        'OpsTopicArn',
        'QuarantineQueueUrl',
        'TransactionsDlqUrl',
        'DashboardName',
      ]),
    );
  });
});

describe('streams', () => {
  it('uses the configured shard count, or on-demand mode', () => {
    const { template } = synth({ streams: { transactions: { shardCount: 4 }, readings: { mode: 'on-demand' } } });
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'riskstream-transactions',
      ShardCount: 4,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
    template.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'riskstream-readings', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
  });
});

describe('the incidents sweep', () => {
  const { template } = synth();

  it('runs every minute from EventBridge, and on an emulator deploy leaves the schedule to the local runtime', () => {
    const rules = resources(template, 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties['ScheduleExpression'])).toEqual(['rate(1 minute)']);
    expect(JSON.stringify(rules[0]?.Properties['Targets'])).toMatch(/SweepIncidents/);
    expect(resources(synth({ emulator: true }).template, 'AWS::Events::Rule')).toEqual([]);
  });

  const sweepStatements = (synthesized: Template) => {
    const policy = resources(synthesized, 'AWS::IAM::Policy').find((p) => JSON.stringify(p.Properties['Roles']).includes('SweepIncidents'));
    return (
      policy?.Properties['PolicyDocument'] as { Statement: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> }
    ).Statement;
  };
  const dynamoActions = (statements: ReturnType<typeof sweepStatements>) =>
    statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));

  it('may query the state table and put records into the streams, and nothing else, where no subscriber has a budget', () => {
    const statements = sweepStatements(template);
    expect(dynamoActions(statements).map((s) => [s.Action].flat())).toEqual([['dynamodb:Query']]);
    expect(statements.filter((s) => [s.Action].flat().includes('sns:Publish'))).toEqual([]);
    const kinesis = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kinesis:')));
    // Into each input stream: the scored kinds' and the orders'.
    expect(kinesis.flatMap((s) => [s.Action].flat().filter((a) => a.startsWith('kinesis:Put'))).sort()).toEqual([
      'kinesis:PutRecord',
      'kinesis:PutRecord',
      'kinesis:PutRecord',
      'kinesis:PutRecords',
      'kinesis:PutRecords',
      'kinesis:PutRecords',
    ]);
  });

  it('may also read and remove held notifications, take budget places and publish, where a subscriber has a budget', () => {
    const statements = sweepStatements(synth({ subscriptions: { sms: [{ phoneNumber: '+4915112345678' }] } }).template);
    const dynamo = dynamoActions(statements);
    expect(dynamo.map((s) => [s.Action].flat())).toEqual([
      ['dynamodb:Query'],
      ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
    ]);
    expect(dynamo[1]?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['budget#*', 'held#*'] } });
    expect(statements.filter((s) => [s.Action].flat().includes('sns:Publish')).map((s) => JSON.stringify(s.Resource))).toEqual([
      expect.stringMatching(/AlertsTopic/),
    ]);
  });

  it('finds due entities in a sparse, keys-only index of the state table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'riskstream-state',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'incidents-due',
          KeySchema: [
            { AttributeName: 'entityType', KeyType: 'HASH' },
            { AttributeName: 'due', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });
});
