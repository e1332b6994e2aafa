import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBRulesStore } from '../adapters/dynamodb-rules';
import { DynamoDBStateStore } from '../adapters/dynamodb-state-store';
import { SqsQuarantine } from '../adapters/sqs-quarantine';
import type { ScoringConfig } from '../config/env';
import { LiveRules } from '../config/live-rules';
import { scoringConfigFromEnv } from '../config/env';
import { RequestCounter } from '../observability/request-counter';
import { createLogger, createMetrics } from '../observability/telemetry';
import { clientConfig } from '../config/clients';
import { listedShardRanges } from '../kinesis/shard-ranges';
import { kindNamed } from '../kinds/registry';

/**
 * Everything a scoring function needs, built once per process from its environment. SDK clients
 * take their endpoint from the standard AWS_ENDPOINT_URL variables, so the same code runs on AWS,
 * LocalStack and moto.
 */
export function scoringDepsFromEnv(env: NodeJS.ProcessEnv = process.env, defaultName?: string) {
  const config: ScoringConfig = scoringConfigFromEnv(env);
  const kind = kindNamed(config.eventKind);
  // The deployed function's own name (riskstream-score-transactions), which Lambda sets.
  const name = env['AWS_LAMBDA_FUNCTION_NAME'] || defaultName || `score-${kind.stream}`;
  const dynamodb = new DynamoDBClient(clientConfig(env, 'DYNAMODB'));
  const counter = new RequestCounter();
  counter.attach(dynamodb);
  return {
    name,
    config,
    kind,
    store: new DynamoDBStateStore({
      client: dynamodb,
      stateTable: config.stateTable,
      alertsTable: config.alertsTable,
      retention: config.rules.retention,
    }),
    // The deploy's rules are version 1 until versions are stored (`riskstream rules propose`).
    rules: new LiveRules(new DynamoDBRulesStore(dynamodb, config.stateTable), config.rules, config.rulesMaxAgeMs),
    quarantine: new SqsQuarantine(new SQSClient(clientConfig(env, 'SQS')), config.quarantineQueueUrl),
    commitMode: config.commitMode,
    maxRecordBytes: config.maxRecordBytes,
    maxFutureSkewMs: config.maxFutureSkewMs,
    maxEventAgeMs: config.maxEventAgeMs,
    // HTTP/1.1, the DynamoDB client's own handler: the Kinesis client would choose HTTP/2, which emulators do not speak.
    shardRangeOf: listedShardRanges(new KinesisClient({ ...clientConfig(env, 'KINESIS'), requestHandler: dynamodb.config.requestHandler })),
    logger: createLogger(name),
    metrics: createMetrics(name),
    counter,
    dynamodb,
  };
}
