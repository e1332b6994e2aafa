import { randomUUID } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { statusCommand } from '../../cli/commands/status';
import { runCommand } from '../support/command-io';

/**
 * `riskstream status --aws` against a stack in the emulator's CloudFormation: its mappings from the
 * deployed template, named by the stack's resources, each one's IteratorAge from CloudWatch. moto
 * runs no function, so the IteratorAge Lambda would report is put by the test.
 */
const cfn = new CloudFormationClient({});
const cloudwatch = new CloudWatchClient({});
const NAME = `rs-status-${randomUUID().slice(0, 8)}`;

/** A stream, and a function reading it through a mapping, per consumer; an IteratorAge alarm of 2 minutes on the first. */
function template(consumers: readonly string[]): string {
  const resources: Record<string, unknown> = {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
      },
    },
    StalledAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        Threshold: 120_000,
        Metrics: [
          {
            Id: 'm1',
            MetricStat: {
              Metric: { Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'Fn0' } }] },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      },
    },
  };
  consumers.forEach((consumer, i) => {
    resources[`Stream${i}`] = { Type: 'AWS::Kinesis::Stream', Properties: { Name: `${NAME}-${consumer}`, ShardCount: 1 } };
    resources[`Fn${i}`] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: `${NAME}-score-${consumer}`,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Code: { ZipFile: 'exports.handler = async () => ({ batchItemFailures: [] });' },
      },
    };
    resources[`Mapping${i}`] = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: `Fn${i}` },
        EventSourceArn: { 'Fn::GetAtt': [`Stream${i}`, 'Arn'] },
        StartingPosition: 'TRIM_HORIZON',
      },
    };
  });
  return JSON.stringify({ Resources: resources });
}

async function iteratorAge(functionName: string, ms: number): Promise<void> {
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: [
        {
          MetricName: 'IteratorAge',
          Dimensions: [{ Name: 'FunctionName', Value: functionName }],
          Value: ms,
          Unit: 'Milliseconds',
          Timestamp: new Date(),
        },
      ],
    }),
  );
}

describe('riskstream status --aws (on moto)', () => {
  beforeAll(async () => {
    await cfn.send(new CreateStackCommand({ StackName: NAME, TemplateBody: template(['a', 'b', 'c']) }));
    for (let i = 0; i < 60; i++) {
      const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: NAME }));
      const status = Stacks[0]?.StackStatus ?? '';
      if (status === 'CREATE_COMPLETE') return;
      if (!status.endsWith('IN_PROGRESS')) throw new Error(`stack ${NAME}: ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  afterAll(async () => {
    await cfn.send(new DeleteStackCommand({ StackName: NAME }));
  });

  it('says per function where it stands by its latest IteratorAge: stalled at its alarm, behind, caught up when it read nothing', async () => {
    await iteratorAge(`${NAME}-score-a`, 150_000);
    await iteratorAge(`${NAME}-score-b`, 1_000);
    await iteratorAge(`${NAME}-score-b`, 90_000);

    const result = await runCommand(statusCommand, ['--aws', '--stack', NAME], []);

    const positions = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .sort((x, y) => String(x['consumer']).localeCompare(String(y['consumer'])));
    expect(positions).toEqual([
      {
        consumer: `${NAME}-score-a`,
        stream: `${NAME}-a`,
        shard: '*',
        checkpoint: null,
        behindRecords: null,
        behindMs: 150_000,
        status: 'stalled',
      },
      {
        consumer: `${NAME}-score-b`,
        stream: `${NAME}-b`,
        shard: '*',
        checkpoint: null,
        behindRecords: null,
        behindMs: 90_000,
        status: 'behind',
      },
      {
        consumer: `${NAME}-score-c`,
        stream: `${NAME}-c`,
        shard: '*',
        checkpoint: null,
        behindRecords: null,
        behindMs: 0,
        status: 'caught_up',
      },
    ]);
    expect(result.code).toBe(1); // a consumer is stalled
  });
});
