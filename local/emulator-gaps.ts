import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import type { MetricDataQuery, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient, StartStreamEncryptionCommand } from '@aws-sdk/client-kinesis';
import { ListSubscriptionsByTopicCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * moto's CloudFormation reports some resources and properties as created without creating them
 * (measured with moto 5.2.1; see ../shared/ENVIRONMENT.md and the README). After an emulator deploy
 * this applies exactly those, from the synthesized template, through the service APIs:
 *   AWS::SNS::Subscription, AWS::SNS::TopicPolicy, AWS::SQS::QueuePolicy, AWS::CloudWatch::Alarm,
 *   a table's TimeToLiveSpecification and PointInTimeRecoverySpecification, a stream's StreamEncryption,
 * and resolves the stack's Outputs, which moto drops. On AWS and LocalStack none of this is needed.
 */
export interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

export interface GapFix {
  readonly logicalId: string;
  readonly type: string;
  readonly action: string;
}

export interface EmulatorGapsResult {
  readonly fixes: readonly GapFix[];
  readonly outputs: Record<string, string>;
}

export interface EmulatorGapsOptions {
  readonly template: CfnTemplate;
  readonly stackName: string;
  readonly endpoint: string;
  readonly region: string;
  readonly account: string;
  /** Emulators take any key; the caller's environment may have none. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export async function applyEmulatorGaps(options: EmulatorGapsOptions): Promise<EmulatorGapsResult> {
  const config = { endpoint: options.endpoint, region: options.region, credentials: options.credentials };
  const clients = {
    cfn: new CloudFormationClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    cloudwatch: new CloudWatchClient(config),
    dynamodb: new DynamoDBClient(config),
    // The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); emulators answer HTTP/1.1.
    kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
  };
  const { StackResources = [] } = await clients.cfn.send(new DescribeStackResourcesCommand({ StackName: options.stackName }));
  const physical = new Map(
    StackResources.filter((r) => r.LogicalResourceId && r.PhysicalResourceId).map((r) => [
      r.LogicalResourceId ?? '',
      r.PhysicalResourceId ?? '',
    ]),
  );
  const resolver = new IntrinsicResolver(options, physical, clients.sqs);
  const fixes: GapFix[] = [];
  const fixed = (logicalId: string, type: string, action: string) => fixes.push({ logicalId, type, action });

  for (const [logicalId, resource] of Object.entries(options.template.Resources)) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::Kinesis::Stream': {
        const encryption = props['StreamEncryption'] as { EncryptionType: string; KeyId: unknown } | undefined;
        if (!encryption) break;
        const name = await resolver.resolve({ Ref: logicalId });
        const summary = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (summary.StreamDescriptionSummary?.EncryptionType === 'KMS') break;
        await clients.kinesis.send(
          new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: await resolver.resolve(encryption.KeyId) }),
        );
        fixed(logicalId, resource.Type, 'StartStreamEncryption');
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const tableName = await resolver.resolve({ Ref: logicalId });
        const ttl = props['TimeToLiveSpecification'] as { AttributeName: string; Enabled: boolean } | undefined;
        if (ttl?.Enabled) {
          const current = await clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
          if (current.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
            await clients.dynamodb.send(
              new UpdateTimeToLiveCommand({
                TableName: tableName,
                TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
              }),
            );
            fixed(logicalId, resource.Type, `UpdateTimeToLive ${ttl.AttributeName}`);
          }
        }
        const pitr = props['PointInTimeRecoverySpecification'] as { PointInTimeRecoveryEnabled: boolean } | undefined;
        if (pitr?.PointInTimeRecoveryEnabled) {
          const current = await clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
          if (current.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus !== 'ENABLED') {
            await clients.dynamodb.send(
              new UpdateContinuousBackupsCommand({
                TableName: tableName,
                PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              }),
            );
            fixed(logicalId, resource.Type, 'UpdateContinuousBackups');
          }
        }
        break;
      }
      case 'AWS::SNS::TopicPolicy': {
        const policy = JSON.stringify(await resolver.resolve(props['PolicyDocument']));
        for (const topic of (props['Topics'] as unknown[]) ?? []) {
          await clients.sns.send(
            new SetTopicAttributesCommand({ TopicArn: await resolver.resolve(topic), AttributeName: 'Policy', AttributeValue: policy }),
          );
        }
        fixed(logicalId, resource.Type, 'SetTopicAttributes Policy');
        break;
      }
      case 'AWS::SQS::QueuePolicy': {
        const policy = JSON.stringify(await resolver.resolve(props['PolicyDocument']));
        for (const queue of (props['Queues'] as unknown[]) ?? []) {
          await clients.sqs.send(
            new SetQueueAttributesCommand({ QueueUrl: await resolver.queueUrl(queue), Attributes: { Policy: policy } }),
          );
        }
        fixed(logicalId, resource.Type, 'SetQueueAttributes Policy');
        break;
      }
      case 'AWS::SNS::Subscription': {
        const resolved = (await resolver.resolve(props)) as Record<string, unknown>;
        const topicArn = String(resolved['TopicArn']);
        const endpoint = String(resolved['Endpoint']);
        const protocol = String(resolved['Protocol']);
        const existing = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
        if (existing.Subscriptions?.some((s) => s.Endpoint === endpoint && s.Protocol === protocol)) break;
        const attributes: Record<string, string> = {};
        if (resolved['FilterPolicy']) attributes['FilterPolicy'] = JSON.stringify(resolved['FilterPolicy']);
        if (resolved['FilterPolicyScope']) attributes['FilterPolicyScope'] = String(resolved['FilterPolicyScope']);
        if (resolved['RawMessageDelivery'] !== undefined) attributes['RawMessageDelivery'] = String(resolved['RawMessageDelivery']);
        await clients.sns.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: protocol,
            Endpoint: endpoint,
            Attributes: attributes,
            ReturnSubscriptionArn: true,
          }),
        );
        fixed(logicalId, resource.Type, `Subscribe ${protocol}`);
        break;
      }
      case 'AWS::CloudWatch::Alarm': {
        const resolved = (await resolver.resolve(props)) as PutMetricAlarmCommandInput & { Metrics?: MetricDataQuery[] };
        await clients.cloudwatch.send(new PutMetricAlarmCommand(resolved));
        fixed(logicalId, resource.Type, `PutMetricAlarm ${resolved.AlarmName ?? ''}`);
        break;
      }
      default:
        break;
    }
  }

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(options.template.Outputs ?? {})) {
    outputs[name] = String(await resolver.resolve(output.Value));
  }
  return { fixes, outputs };
}

/** Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and the pseudo parameters, for the resources a riskstream stack has. */
class IntrinsicResolver {
  constructor(
    private readonly options: EmulatorGapsOptions,
    private readonly physical: ReadonlyMap<string, string>,
    private readonly sqs: SQSClient,
  ) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- templates are untyped JSON
  async resolve(value: unknown): Promise<any> {
    if (Array.isArray(value)) return Promise.all(value.map((v) => this.resolve(v)));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref') return this.ref(String(arg));
    if (entries.length === 1 && key === 'Fn::GetAtt') {
      const [logicalId, attribute] = typeof arg === 'string' ? arg.split('.') : (arg as string[]);
      return this.getAtt(String(logicalId), String(attribute));
    }
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return ((await this.resolve(parts)) as unknown[]).join(separator);
    }
    if (entries.length === 1 && key === 'Fn::Select') {
      const [index, list] = arg as [number, unknown];
      return ((await this.resolve(list)) as unknown[])[Number(index)];
    }
    if (entries.length === 1 && key === 'Fn::Sub') {
      const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
      let result = text;
      for (const match of text.matchAll(/\$\{([^}]+)\}/g)) {
        const name = match[1] ?? '';
        const replacement =
          name in vars
            ? await this.resolve(vars[name])
            : name.includes('.')
              ? await this.getAtt(...(name.split('.') as [string, string]))
              : await this.ref(name);
        result = result.split(match[0]).join(String(replacement)); // not replace(): `$&` in a value must stay literal
      }
      return result;
    }
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of entries) resolved[k] = await this.resolve(v);
    return resolved;
  }

  /** A queue reference as the emulator's own URL (moto records an amazonaws.com URL as the physical id). */
  async queueUrl(reference: unknown): Promise<string> {
    const logicalId = isRef(reference) ? reference.Ref : undefined;
    const recorded = logicalId ? this.physical.get(logicalId) : String(await this.resolve(reference));
    if (recorded === undefined) throw new Error(`cannot resolve queue ${String(logicalId)}: the emulator did not create it`);
    const name = recorded.split('/').pop() ?? recorded;
    return (await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? recorded;
  }

  private async ref(name: string): Promise<string> {
    const { region, account, stackName } = this.options;
    const pseudo: Record<string, string> = {
      'AWS::Region': region,
      'AWS::AccountId': account,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
    };
    if (name in pseudo) return pseudo[name] ?? '';
    const id = this.physical.get(name);
    if (id === undefined) throw new Error(`cannot resolve Ref ${name}: the emulator did not create it`);
    return this.resourceType(name) === 'AWS::SQS::Queue' ? this.queueUrl({ Ref: name }) : id;
  }

  private async getAtt(logicalId: string, attribute: string): Promise<string> {
    const { region, account } = this.options;
    const id = this.physical.get(logicalId);
    if (id === undefined) throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}: the emulator did not create it`);
    const type = this.resourceType(logicalId);
    const name = id.split('/').pop() ?? id;
    switch (`${type}.${attribute}`) {
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${region}:${account}:${name}`;
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SQS::Queue.QueueUrl':
        return this.queueUrl({ Ref: logicalId });
      case 'AWS::SNS::Topic.TopicArn':
        return id;
      case 'AWS::SNS::Topic.TopicName':
        return id.split(':').pop() ?? id;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${account}:function:${id}`;
      case 'AWS::Kinesis::Stream.Arn':
        return `arn:aws:kinesis:${region}:${account}:stream/${id}`;
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${region}:${account}:key/${id}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${account}:role/${id}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${region}:${account}:log-group:${id}:*`;
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${id}`;
      case 'AWS::DynamoDB::Table.StreamArn': {
        const table = await new DynamoDBClient({ endpoint: this.options.endpoint, region, credentials: this.options.credentials }).send(
          new DescribeTableCommand({ TableName: id }),
        );
        return table.Table?.LatestStreamArn ?? '';
      }
      default:
        throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute} (${type})`);
    }
  }

  private resourceType(logicalId: string): string {
    return this.options.template.Resources[logicalId]?.Type ?? 'unknown';
  }
}

function isRef(value: unknown): value is { Ref: string } {
  return typeof value === 'object' && value !== null && typeof (value as { Ref?: unknown }).Ref === 'string';
}
