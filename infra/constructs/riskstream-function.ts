import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Grant, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import type { DeployConfig } from '../config';

export interface RiskstreamFunctionProps {
  /** What the function does (`score-transactions`): it is named `<deploy name>-<function>`. */
  readonly function: string;
  /** The folder under functions/ whose handler.ts is its entry point, if it is not named as the function (the scorers share `score`). */
  readonly entry?: string;
  /** The deploy's name and function settings. */
  readonly config: Pick<DeployConfig, 'name' | 'functions'>;
  readonly logKey: IKey;
  readonly environment?: Record<string, string>;
}

/**
 * Every riskstream function: Node.js 22 on arm64, a minified esbuild bundle with source maps (the
 * AWS SDK v3 comes from the runtime), its own encrypted log group with a retention, X-Ray tracing.
 * The bind helpers grant access and set the environment variable that names the resource in one
 * place, so a function can never be told about a resource it may not use, or the reverse.
 */
export class RiskstreamFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: RiskstreamFunctionProps) {
    const settings = props.config.functions;
    const functionName = `${props.config.name}-${props.function}`;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: retentionDays(settings.logRetentionDays),
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, without the AWSLambdaBasicExecutionRole managed policy (which may write to any
    // log group): the function may write to its own log group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      functionName,
      entry: join(__dirname, '..', '..', 'functions', props.entry ?? props.function, 'handler.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: Duration.millis(settings.timeout),
      tracing: settings.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: functionName,
        POWERTOOLS_METRICS_NAMESPACE: 'riskstream',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node20',
        format: OutputFormat.CJS,
        externalModules: ['@aws-sdk/*'],
      },
    });
    for (const finding of ACKNOWLEDGED) Validations.of(this).acknowledge(finding);
    for (const finding of ACKNOWLEDGED) Validations.of(role).acknowledge(finding);
  }

  /**
   * Grants exactly these DynamoDB actions on the table, or on one of its indexes only (and the table
   * key's use), for least privilege: `table.grant` would add every index of the table (`index/*`)
   * to every grant once the table has one.
   */
  bindTable(
    table: ITable,
    variable: string,
    access: { readonly actions: readonly string[]; readonly index?: string; readonly leadingKeys?: readonly string[] },
  ): this {
    const actions = access.actions.map((a) => `dynamodb:${a}`);
    const resourceArns = [access.index === undefined ? table.tableArn : `${table.tableArn}/index/${access.index}`];
    if (access.leadingKeys) {
      // Only the items whose key matches: e.g. publish-alerts may write budget and digest items, no entity's.
      this.addToRolePolicy(
        new PolicyStatement({
          actions,
          resources: resourceArns,
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...access.leadingKeys] } },
        }),
      );
    } else {
      Grant.addToPrincipal({ grantee: this, actions, resourceArns });
    }
    table.encryptionKey?.grantEncryptDecrypt(this);
    this.addEnvironment(variable, table.tableName);
    return this;
  }

  bindQueue(queue: IQueue, variable: string): this {
    queue.grantSendMessages(this);
    this.addEnvironment(variable, queue.queueUrl);
    return this;
  }

  bindTopic(topic: ITopic, variable: string): this {
    topic.grantPublish(this);
    this.addEnvironment(variable, topic.topicArn);
    return this;
  }

  /** Read access for an event source mapping on the stream (the mapping itself is added by the caller). */
  bindStream(stream: IStream): this {
    stream.grantRead(this);
    return this;
  }
}

/** cdk-nag findings every riskstream function carries, each with the reason it is acceptable. */
const ACKNOWLEDGED = [
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) and dynamodb:ListStreams (stream reads) support no resource-level permissions; CDK adds them.',
  },
  {
    id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
    reason: "Added by CDK grant* calls for the stack's own data key; the statement is scoped to that one key's ARN.",
  },
  {
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason: "Added by CDK grant* calls for the stack's own data key; the statement is scoped to that one key's ARN.",
  },
  {
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is the runtime this project targets and tests (middy 6 and the bundles are built for Node 20+); moving to a newer runtime is a deliberate, tested change.',
  },
] as const;

function retentionDays(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number' && v > 0);
  const match = allowed.find((v) => v === days);
  if (match === undefined)
    throw new Error(`functions.logRetentionDays ${days} is not a CloudWatch Logs retention; use one of ${allowed.join(', ')}`);
  return match;
}
