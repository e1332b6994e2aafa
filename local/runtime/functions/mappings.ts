import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { runCdk } from '../../deploy';
import type { CfnTemplate } from '../../emulator-gaps';
import type { DynamoDbStreamSource, KinesisSource, MappingSpec } from '../types';

/**
 * The event source mappings of the default (AWS) synth, as the local runtime runs them: an emulator
 * deploy (moto) leaves the mappings out, so their settings come from the template the same stack
 * synthesizes for AWS, and their names from the stack the emulator holds. Logical ids are the same
 * in both synths (the emulator flag only leaves the mappings out).
 */

/** Where the deployed stack lives: the ARNs Lambda would see are built from these. */
export interface ArnTarget {
  readonly region: string;
  readonly account: string;
  /** `aws` unless told otherwise. */
  readonly partition?: string;
}

type Resource = CfnTemplate['Resources'][string] & { readonly Metadata?: Record<string, unknown> };

/**
 * Lambda's defaults for a stream mapping (Kinesis or DynamoDB) where the template names no value:
 * batch size 100, no batching window, one batch per shard, no bisect, no partial batch responses,
 * retries until the record expires, no age limit, no destination, no filters.
 */
export const LAMBDA_STREAM_DEFAULTS = {
  batchSize: 100,
  maxBatchingWindowMs: 0,
  parallelizationFactor: 1,
  bisectBatchOnError: false,
  reportBatchItemFailures: false,
  retryAttempts: -1,
  maxRecordAgeMs: -1,
} as const;

/** Settings Lambda honours that MappingSpec cannot express: a mapping using one is refused, not run differently. */
const UNSUPPORTED = [
  'TumblingWindowInSeconds',
  'StartingPositionTimestamp',
  'Queues',
  'SourceAccessConfigurations',
  'SelfManagedEventSource',
  'AmazonManagedKafkaEventSourceConfig',
];

/**
 * Every enabled `AWS::Lambda::EventSourceMapping` of `template` (the default synth) as a MappingSpec.
 * `physicalIds` (logical id → physical id, from the deployed stack) names the deployed function,
 * stream, table and queue; where it lacks one, the literal name in the template is used. The ARNs'
 * region and account come from `target`, or else from an ARN among the physical ids (a topic's).
 */
export function mappingsFromTemplate(template: CfnTemplate, physicalIds: ReadonlyMap<string, string>, target?: ArnTarget): MappingSpec[] {
  const specs: MappingSpec[] = [];
  let where: ArnTarget | undefined = target;
  const arnTarget = (): ArnTarget => (where ??= inferTarget(physicalIds));
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const props = resource.Properties ?? {};
    const fail = (why: string): never => {
      throw new Error(`event source mapping ${logicalId}: ${why}`);
    };
    if (props['Enabled'] === false) continue;
    const unsupported = UNSUPPORTED.filter((key) => props[key] !== undefined);
    if (unsupported.length > 0) fail(`${unsupported.join(', ')} not supported by the local runtime`);

    const functionLogicalId =
      referencedLogicalId(props['FunctionName'], 'Arn') ??
      fail(`FunctionName ${JSON.stringify(props['FunctionName'])} is not a Ref or Fn::GetAtt of a function in the template`);
    const fn =
      resourceOf(template, functionLogicalId, 'AWS::Lambda::Function') ??
      fail(`FunctionName refers to ${functionLogicalId}, not an AWS::Lambda::Function`);
    const functionName =
      deployedName(physicalIds, functionLogicalId, fn, 'FunctionName') ?? fail(`no deployed name for function ${functionLogicalId}`);

    const source =
      eventSource(template, physicalIds, props['EventSourceArn'], arnTarget) ??
      fail(`EventSourceArn ${JSON.stringify(props['EventSourceArn'])} is neither a Kinesis stream's Arn nor a table's StreamArn`);

    const startingPosition = props['StartingPosition'];
    if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST')
      fail(`StartingPosition ${JSON.stringify(startingPosition)}: TRIM_HORIZON or LATEST expected`);

    const destination = (props['DestinationConfig'] as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
    let onFailureQueueArn: string | undefined;
    if (destination !== undefined) {
      const queueLogicalId = getAttOf(destination, 'Arn');
      const queue = queueLogicalId === undefined ? undefined : resourceOf(template, queueLogicalId, 'AWS::SQS::Queue');
      if (queueLogicalId === undefined || queue === undefined)
        fail(`on-failure destination ${JSON.stringify(destination)} is not an SQS queue's Arn`);
      else {
        const queueName =
          deployedName(physicalIds, queueLogicalId, queue, 'QueueName') ?? fail(`no deployed name for queue ${queueLogicalId}`);
        const { region, account, partition = 'aws' } = arnTarget();
        onFailureQueueArn = `arn:${partition}:sqs:${region}:${account}:${queueName}`;
      }
    }

    const filters = ((props['FilterCriteria'] as { Filters?: Array<{ Pattern?: unknown }> } | undefined)?.Filters ?? []).map((filter) => {
      if (typeof filter.Pattern !== 'string') fail(`filter pattern ${JSON.stringify(filter.Pattern)} is not a JSON string`);
      return String(filter.Pattern);
    });

    const seconds = (key: string, fallbackMs: number): number => {
      const value = numberProp(props, key, fail);
      return value === undefined ? fallbackMs : value < 0 ? -1 : value * 1000;
    };
    specs.push({
      functionLogicalId,
      functionName,
      source,
      batchSize: numberProp(props, 'BatchSize', fail) ?? LAMBDA_STREAM_DEFAULTS.batchSize,
      maxBatchingWindowMs: seconds('MaximumBatchingWindowInSeconds', LAMBDA_STREAM_DEFAULTS.maxBatchingWindowMs),
      parallelizationFactor: numberProp(props, 'ParallelizationFactor', fail) ?? LAMBDA_STREAM_DEFAULTS.parallelizationFactor,
      startingPosition: startingPosition as MappingSpec['startingPosition'],
      bisectBatchOnError: booleanProp(props, 'BisectBatchOnFunctionError', fail) ?? LAMBDA_STREAM_DEFAULTS.bisectBatchOnError,
      reportBatchItemFailures: Array.isArray(props['FunctionResponseTypes'])
        ? props['FunctionResponseTypes'].includes('ReportBatchItemFailures')
        : LAMBDA_STREAM_DEFAULTS.reportBatchItemFailures,
      retryAttempts: numberProp(props, 'MaximumRetryAttempts', fail) ?? LAMBDA_STREAM_DEFAULTS.retryAttempts,
      maxRecordAgeMs: seconds('MaximumRecordAgeInSeconds', LAMBDA_STREAM_DEFAULTS.maxRecordAgeMs),
      ...(onFailureQueueArn === undefined ? {} : { onFailureQueueArn }),
      filterPatterns: filters,
    });
  }
  return specs;
}

function eventSource(
  template: CfnTemplate,
  physicalIds: ReadonlyMap<string, string>,
  arn: unknown,
  arnTarget: () => ArnTarget,
): KinesisSource | DynamoDbStreamSource | undefined {
  const streamId = getAttOf(arn, 'Arn');
  const stream = streamId === undefined ? undefined : resourceOf(template, streamId, 'AWS::Kinesis::Stream');
  if (streamId !== undefined && stream !== undefined) {
    const streamName = deployedName(physicalIds, streamId, stream, 'Name');
    if (streamName === undefined) throw new Error(`no deployed name for stream ${streamId}`);
    const { region, account, partition = 'aws' } = arnTarget();
    return { kind: 'kinesis', streamName, streamArn: `arn:${partition}:kinesis:${region}:${account}:stream/${streamName}` };
  }
  const tableId = getAttOf(arn, 'StreamArn');
  const table = tableId === undefined ? undefined : resourceOf(template, tableId, 'AWS::DynamoDB::Table');
  if (tableId !== undefined && table !== undefined) {
    const tableName = deployedName(physicalIds, tableId, table, 'TableName');
    if (tableName === undefined) throw new Error(`no deployed name for table ${tableId}`);
    return { kind: 'dynamodb', tableName };
  }
  return undefined;
}

/** The deployed name: the physical id (the last path segment of a queue URL or an ARN), else the template's literal name. */
export function deployedName(
  physicalIds: ReadonlyMap<string, string>,
  logicalId: string,
  resource: Resource,
  nameProperty: string,
): string | undefined {
  const physical = physicalIds.get(logicalId);
  if (physical) return physical.split('/').pop() || physical;
  const literal = resource.Properties?.[nameProperty];
  return typeof literal === 'string' ? literal : undefined;
}

export function resourceOf(template: CfnTemplate, logicalId: string, type: string): Resource | undefined {
  const resource = template.Resources[logicalId];
  return resource?.Type === type ? resource : undefined;
}

/** `{ Ref: id }` or `{ 'Fn::GetAtt': [id, attribute] }` → id. */
export function referencedLogicalId(value: unknown, attribute: string): string | undefined {
  if (isObject(value) && typeof value['Ref'] === 'string') return value['Ref'];
  return getAttOf(value, attribute);
}

function getAttOf(value: unknown, attribute: string): string | undefined {
  if (!isObject(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  const [id, attr] = Array.isArray(getAtt) ? getAtt : typeof getAtt === 'string' ? getAtt.split('.', 2) : [];
  return typeof id === 'string' && attr === attribute ? id : undefined;
}

function numberProp(props: Record<string, unknown>, key: string, fail: (why: string) => never): number | undefined {
  const value = props[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`${key} ${JSON.stringify(value)} is not a number`);
  return value;
}

function booleanProp(props: Record<string, unknown>, key: string, fail: (why: string) => never): boolean | undefined {
  const value = props[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') return fail(`${key} ${JSON.stringify(value)} is not a boolean`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ARN = /^arn:([\w-]+):[\w-]+:([a-z0-9-]+):(\d{12}):/;

function inferTarget(physicalIds: ReadonlyMap<string, string>): ArnTarget {
  for (const id of physicalIds.values()) {
    const match = ARN.exec(id);
    if (match?.[1] && match[2] && match[3]) return { partition: match[1], region: match[2], account: match[3] };
  }
  throw new Error('no region and account among the physical ids (no ARN there): pass the target to mappingsFromTemplate');
}

/** Logical id → physical id of every resource of a deployed stack (paginated: no 100-resource limit). */
export async function physicalIdsOf(stackName: string, cfn: CloudFormationClient): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }));
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.LogicalResourceId && r.PhysicalResourceId) ids.set(r.LogicalResourceId, r.PhysicalResourceId);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return ids;
}

export interface SynthDefaultOptions {
  /** The cloud assembly goes to `<outdir>/aws`. */
  readonly outdir: string;
  readonly stackName: string;
  /** The deploy config overrides (the `riskstream` context) the emulator deploy used; `emulator` is forced to false. */
  readonly config?: Record<string, unknown>;
  /** Environment of the CDK CLI (default: this process's); `CDK_DEFAULT_ACCOUNT`/`_REGION` from account and region when given. */
  readonly env?: NodeJS.ProcessEnv;
  readonly account?: string;
  readonly region?: string;
  readonly log?: (line: string) => void;
}

export interface DefaultSynth {
  readonly template: CfnTemplate;
  readonly templatePath: string;
  /** Function logical id → absolute path of its bundled asset (the directory holding index.js). */
  readonly assetDirs: ReadonlyMap<string, string>;
}

/**
 * `cdk synth` of the default (AWS) stack, mappings and all, with the same context as the emulator
 * deploy except `emulator: false`; the functions are bundled (esbuild), as for a deploy.
 */
export async function synthDefaultTemplate(options: SynthDefaultOptions): Promise<DefaultSynth> {
  const assembly = resolve(options.outdir, 'aws');
  const config = { ...(options.config ?? {}), emulator: false };
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    ...(options.account ? { CDK_DEFAULT_ACCOUNT: options.account } : {}),
    ...(options.region ? { CDK_DEFAULT_REGION: options.region } : {}),
  };
  const args = [
    'synth',
    options.stackName,
    '--quiet',
    '--no-notices',
    '--no-version-reporting',
    '--output',
    assembly,
    '-c',
    `stackName=${options.stackName}`,
    '-c',
    `riskstream=${JSON.stringify(config)}`,
  ];
  await runCdk(args, env, options.log ?? ((line) => process.stderr.write(`${line}\n`)));
  const templatePath = join(assembly, `${options.stackName}.template.json`);
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
  return { template, templatePath, assetDirs: assetDirsOf(template, assembly) };
}

/** Function logical id → its asset directory (`aws:asset:path` metadata, relative to the assembly directory). */
export function assetDirsOf(template: CfnTemplate, assemblyDir: string): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources) as Array<[string, Resource]>) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const path = resource.Metadata?.['aws:asset:path'];
    if (typeof path === 'string') dirs.set(logicalId, resolve(assemblyDir, path));
  }
  return dirs;
}
