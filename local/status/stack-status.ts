import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadDeployConfig } from '../../infra/config';
import { readDeployRecord } from '../deploy';
import { FileCheckpointStore } from '../runtime/kinesis/file-checkpoints';
import { mappingSource } from '../runtime/mapping-source';
import type { DeployedStack } from '../runtime/runtime';
import { checkpointPath, lastRuntimeSynth, openDeployedStack } from '../runtime/runtime';
import type { ConsumerPosition } from './consumer-positions';
import { consumerPositions } from './consumer-positions';

/**
 * Every consumer of a stack deployed from here, in every shard of its source: the local runtime's
 * mappings (from its last synth, or a new one), their checkpoints (the runtime's file, which it
 * replaces atomically, so it can be read while the runtime runs), and the records after them.
 */
export async function stackConsumerPositions(
  stackName: string,
  { log, now = Date.now }: { log: (line: string) => void; now?: () => number },
): Promise<ConsumerPosition[]> {
  return positionsInStack(await openDeployedStack(stackName, log, lastRuntimeSynth(stackName)), now);
}

/** `stackConsumerPositions` of a stack already opened (the demo keeps its own). */
export async function positionsInStack(stack: DeployedStack, now: () => number = Date.now): Promise<ConsumerPosition[]> {
  const stalledAfterMs = loadDeployConfig({ riskstream: readDeployRecord(stack.stackName)?.config ?? {} }).alarms.iteratorAgeMs;
  const checkpoints = new FileCheckpointStore(checkpointPath(stack.stackName));
  const clientConfig = {
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: stack.credentials,
    requestHandler: new NodeHttpHandler(),
  };
  const kinesis = new KinesisClient(clientConfig);
  const dynamodb = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  try {
    const positions: ConsumerPosition[] = [];
    for (const spec of stack.mappings) {
      positions.push(
        ...(await consumerPositions(mappingSource(spec, { kinesis, dynamodb, streams }, stack), checkpoints, {
          consumer: spec.functionName,
          stream: spec.source.kind === 'kinesis' ? spec.source.streamName : `${spec.source.tableName} (stream)`,
          startingPosition: spec.startingPosition,
          stalledAfterMs,
          now: now(),
        })),
      );
    }
    return positions;
  } finally {
    for (const client of [kinesis, dynamodb, streams]) client.destroy();
  }
}
