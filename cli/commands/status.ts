import { parseArgs } from 'node:util';
import type { ConsumerPosition } from '../../local/status/consumer-positions';
import { ConsumerStatus } from '../../local/status/consumer-positions';
import { stackConsumerPositions } from '../../local/status/stack-status';
import { BEHIND_AFTER_MS, cloudWatchPositions } from '../../local/status/cloudwatch-positions';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { STSClient } from '@aws-sdk/client-sts';
import { textTable } from '../../local/text-table';
import type { CommandIO } from '../io';
import { write } from '../io';
import { UsageError } from '../usage';

const USAGE = `usage: riskstream status [--table] [--stack Riskstream] [--aws]

Where every consumer of the deployed stack stands, per function and shard (the local runtime's
checkpoints, and the records in the shard after them):
  { "consumer": "…-score-transactions", "stream": "…", "shard": "shardId-…", "checkpoint": "…",
    "behindRecords": N, "behindMs": N, "status": "caught_up" | "behind" | "stalled" }
one JSON object a line; --table prints a table instead. behindMs is how long the oldest waiting
record has waited; stalled means as long as the iterator-age alarm allows (alarms.iteratorAgeMs).
The exit status is 1 when a consumer is stalled.

--aws: a stack deployed to AWS (the account and region the AWS SDK is configured for), where Lambda
keeps the checkpoints: one line per function (shard "*", checkpoint and behindRecords null), behindMs
its latest IteratorAge in CloudWatch (the last 5 minutes; 0 when it read nothing), behind over
${BEHIND_AFTER_MS / 1000} s, stalled at its IteratorAge alarm's threshold.`;

export async function statusCommand(argv: string[], io: CommandIO): Promise<number> {
  let options: { table: boolean; stack: string; aws: boolean };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        table: { type: 'boolean', default: false },
        stack: { type: 'string', default: 'Riskstream' },
        aws: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    options = { table: values.table === true, stack: values.stack, aws: values.aws === true };
  } catch (error) {
    await write(io.stderr, `riskstream status: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let positions: ConsumerPosition[];
  try {
    positions = options.aws
      ? await awsPositions(options.stack)
      : await stackConsumerPositions(options.stack, { log: (line) => void write(io.stderr, `${line}\n`) });
  } catch (error) {
    await write(io.stderr, `riskstream status: ${(error as Error).message}\n`);
    return 1;
  }
  await write(io.stdout, options.table ? positionsTable(positions) : positions.map((p) => `${JSON.stringify(p)}\n`).join(''));
  return positions.some((p) => p.status === ConsumerStatus.stalled) ? 1 : 0;
}

/** From the AWS SDK's own configuration: region, credentials, and AWS_ENDPOINT_URL where one is set. */
async function awsPositions(stackName: string): Promise<ConsumerPosition[]> {
  const [cfn, cloudwatch, sts] = [new CloudFormationClient({}), new CloudWatchClient({}), new STSClient({})];
  try {
    return await cloudWatchPositions(stackName, { cfn, cloudwatch, sts, now: Date.now() });
  } finally {
    for (const client of [cfn, cloudwatch, sts]) client.destroy();
  }
}

export function positionsTable(positions: readonly ConsumerPosition[]): string {
  const rows = [
    ['consumer', 'stream', 'shard', 'checkpoint', 'behind records', 'behind', 'status'],
    ...positions.map((p) => [
      p.consumer,
      p.stream,
      p.shard,
      p.checkpoint ?? '(none)',
      p.behindRecords === null ? '?' : String(p.behindRecords),
      `${(p.behindMs / 1000).toFixed(1)} s`,
      p.status,
    ]),
  ];
  return textTable(rows);
}
