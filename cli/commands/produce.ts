import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { emulatorClientConfig } from '../../local/clients';
import { readDeployRecord } from '../../local/deploy';
import type { LabelledEvent } from '../../local/traffic/generator';
import { DEFAULT_ORDER_SHARE, takeTraffic } from '../../local/traffic/generator';
import type { ProducedRecord } from '../../local/traffic/producer';
import { putRecords } from '../../local/traffic/producer';
import { kplAggregates } from '../../local/traffic/kpl-producer';
import type { AnyKindSpec } from '../../shared/kinds/event-kind';
import { KINDS, kindClaiming, streamOutput } from '../../shared/kinds/registry';
import { ORDER_JOIN_NAMES } from '../../shared/kinds/names';
import { claimsOrderEvent } from '../../shared/domain/order-events';
import { isObject } from '../../shared/domain/event-fields';
import { listShardRanges } from '../../shared/kinesis/shard-ranges';
import type { CommandIO } from '../io';
import { UsageError } from '../usage';
import { write } from '../io';
import { progressBar } from '../progress';

const USAGE = `usage: riskstream produce (--file events.jsonl [--as-is] | --generate N) [--aggregate] [--rate R] [--seed S] [--labels labels.jsonl] [--stack Riskstream]

Puts events into the deployed streams with PutRecords (batched; only failed entries are put again):
transactions into the transactions stream (partition key: userId), readings into the readings
stream (partition key: deviceId), orders and payments into the orders stream (partition key:
orderId). --file sends each line as it is; a file with lines that are not JSON is refused (their numbers are named) unless --as-is, which puts them too, for the scorers to
quarantine. --generate makes N events of realistic, reproducible traffic (--seed) with labelled
anomalies, whose labels --labels writes as JSON lines. --rate caps events per second. --aggregate
puts them as the Kinesis Producer Library does: many events in one record (protobuf, MD5-checked),
one aggregate per shard at a time, each on the shard its events' partition keys name.`;

interface ProduceOptions {
  readonly file?: string;
  /** Put lines that are not JSON too (to see the quarantine at work). */
  readonly asIs: boolean;
  readonly generate?: number;
  readonly rate?: number;
  readonly seed: number;
  readonly labels?: string;
  /** Put KPL aggregates instead of one record per event. */
  readonly aggregate: boolean;
  readonly stack: string;
}

export async function produceCommand(argv: string[], io: CommandIO): Promise<number> {
  let options: ProduceOptions;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string' },
        'as-is': { type: 'boolean', default: false },
        generate: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string', default: '1' },
        labels: { type: 'string' },
        aggregate: { type: 'boolean', default: false },
        stack: { type: 'string', default: 'Riskstream' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
    if (!values.file === !values.generate) throw new UsageError('give either --file or --generate');
    if (values['as-is'] && !values.file) throw new UsageError('--as-is goes with --file');
    // --rate paces records, one event each; an aggregate holds many.
    if (values.aggregate && values.rate) throw new UsageError('--rate paces one event a record: leave it out with --aggregate');
    options = {
      ...(values.file ? { file: values.file } : {}),
      asIs: values['as-is'] === true,
      ...(values.generate ? { generate: positiveInteger('--generate', values.generate) } : {}),
      ...(values.rate ? { rate: positiveInteger('--rate', values.rate) } : {}),
      seed: positiveInteger('--seed', values.seed),
      ...(values.labels ? { labels: values.labels } : {}),
      aggregate: values.aggregate === true,
      stack: values.stack,
    };
  } catch (error) {
    await write(io.stderr, `riskstream produce: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }

  const deployed = readDeployRecord(options.stack);
  // By route: each kind's name, and `order` for the join's orders and payments.
  const streams = new Map([
    ...KINDS.map((kind) => [kind.name, deployed?.outputs[streamOutput(kind)] ?? ''] as const),
    [ORDER_ROUTE, deployed?.outputs[streamOutput(ORDER_JOIN_NAMES)] ?? ''] as const,
  ]);
  if (!deployed) {
    await write(io.stderr, `riskstream produce: the stack ${options.stack} is not deployed from here: run \`riskstream up\` first.\n`);
    return 1;
  }

  let records: Array<ProducedRecord & { stream: string }>;
  try {
    records = options.file ? fromFile(options.file, options.asIs, streams) : fromGenerator(options, streams);
  } catch (error) {
    await write(io.stderr, `riskstream produce: ${(error as Error).message}\n`);
    return 1;
  }
  // A stack deployed before a stream was added (the orders stream) has no output for it.
  if (records.some((r) => r.stream === '')) {
    const missing = [...streams].filter(([, name]) => name === '').map(([route]) => route);
    await write(
      io.stderr,
      `riskstream produce: the stack ${options.stack} has no stream for ${missing.join(', ')} events (deployed before it was added?): run \`riskstream up\` again.\n`,
    );
    return 1;
  }

  const kinesis = new KinesisClient({ ...emulatorClientConfig(deployed.endpoint), requestHandler: new NodeHttpHandler(), maxAttempts: 2 });
  const events = records.length;
  if (options.aggregate) {
    try {
      records = await aggregatedPerStream(kinesis, records);
    } catch (error) {
      await write(io.stderr, `riskstream produce: cannot read the streams' shards at ${deployed.endpoint}: ${(error as Error).message}\n`);
      return 1;
    }
  }
  const started = Date.now();
  const progress = progressBar(io, records.length);
  let put = 0;
  const failed: Array<{ partitionKey: string; errorCode: string }> = [];
  try {
    const perChunk = 500;
    for (let i = 0; i < records.length; i += perChunk) {
      const chunk = records.slice(i, i + perChunk);
      for (const stream of streams.values()) {
        const result = await putRecords(
          kinesis,
          stream,
          chunk.filter((r) => r.stream === stream),
        );
        put += result.put;
        failed.push(...result.failed);
      }
      progress(put);
      if (options.rate) await sleep(Math.max(0, started + ((i + chunk.length) / options.rate) * 1000 - Date.now()));
    }
  } catch (error) {
    await write(
      io.stderr,
      `\nriskstream produce: cannot put records at ${deployed.endpoint} (is the emulator running? \`riskstream up\`): ${(error as Error).message}\n`,
    );
    return 1;
  }
  const seconds = (Date.now() - started) / 1000;
  await write(
    io.stderr,
    `\nput ${put} of ${records.length} records in ${seconds.toFixed(1)} s (${Math.round(put / Math.max(seconds, 0.001))}/s)${options.aggregate ? `: ${events} events in KPL aggregates` : ''}\n`,
  );
  for (const f of failed.slice(0, 10)) await write(io.stderr, `not put: partition key ${f.partitionKey}: ${f.errorCode}\n`);
  return failed.length > 0 ? 1 : 0;
}

/** Each stream's records as KPL aggregates (kpl-producer.ts), by its open shards' hash key ranges. */
async function aggregatedPerStream(
  kinesis: KinesisClient,
  records: ReadonlyArray<ProducedRecord & { stream: string }>,
): Promise<Array<ProducedRecord & { stream: string }>> {
  const aggregated: Array<ProducedRecord & { stream: string }> = [];
  for (const stream of new Set(records.map((r) => r.stream))) {
    const shards = await listShardRanges(kinesis, stream);
    const ofStream = records.filter((r) => r.stream === stream);
    aggregated.push(...kplAggregates(ofStream, shards).map((r) => ({ ...r, stream })));
  }
  return aggregated;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return value;
}

/**
 * Every line as it is: the scorers judge events (and quarantine the bad ones), not the producer. A
 * line that is not JSON at all is most likely a broken file, so it is refused unless `asIs`.
 */
function fromFile(path: string, asIs: boolean, streams: ReadonlyMap<string, string>): Array<ProducedRecord & { stream: string }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read ${path}: no such file, or not readable`);
  }
  const notJson: number[] = [];
  const records = text.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      notJson.push(i + 1);
    }
    const { route, partitionKey } = routeOf(parsed);
    return [{ stream: streams.get(route) as string, partitionKey, data: Buffer.from(line) }];
  });
  if (notJson.length > 0 && !asIs) {
    const lines = notJson.length > 10 ? `${notJson.slice(0, 10).join(', ')} and ${notJson.length - 10} more` : notJson.join(', ');
    throw new Error(
      `${path}: ${notJson.length === 1 ? 'line' : 'lines'} ${lines} ${notJson.length === 1 ? 'is' : 'are'} not JSON; nothing was put (fix the file, or add --as-is to put every line as it is and let the scorers quarantine the bad ones).`,
    );
  }
  return records;
}

/** Kinesis takes partition keys of 1–256 characters, and refuses a whole PutRecords over one outside. */
const PARTITION_KEY_LIMIT = 256;

/** The route of orders and payments, beside the kinds' names. */
const ORDER_ROUTE = 'order';

/**
 * Where a line goes: the stream of the kind that claims it (as `score` and the backtest tell kinds
 * apart), or the orders stream for an order or a payment, partitioned by its entity (its order) as
 * its function will read it (trimmed, so one entity's events stay on one shard); what nothing claims
 * goes to the first kind's stream, whose scorer quarantines it with the reason.
 */
function routeOf(parsed: unknown): { route: string; partitionKey: string } {
  // Orders first, as `score` reads them: a payment with the buyer's device id is no reading.
  if (isObject(parsed) && claimsOrderEvent(parsed))
    return { route: ORDER_ROUTE, partitionKey: keyOf(parsed[ORDER_JOIN_NAMES.entityField]) };
  const claimant = kindClaiming(parsed) ?? (KINDS[0] as AnyKindSpec);
  const validated = claimant.validate(parsed);
  if (validated.ok) return { route: claimant.name, partitionKey: validated.value.entity };
  return { route: claimant.name, partitionKey: keyOf(isObject(parsed) ? parsed[claimant.entityField] : undefined) };
}

/** A key Kinesis would refuse goes as 'unknown': the line still reaches its function, which quarantines it. */
function keyOf(raw: unknown): string {
  const key = typeof raw === 'string' ? raw.trim() : '';
  return key !== '' && [...key].length <= PARTITION_KEY_LIMIT ? key : 'unknown';
}

function fromGenerator(options: ProduceOptions, streams: ReadonlyMap<string, string>): Array<ProducedRecord & { stream: string }> {
  // Orders and payments too: their kind, `order`, is the orders stream's route.
  const events: LabelledEvent[] = takeTraffic(options.generate ?? 0, { seed: options.seed, orderShare: DEFAULT_ORDER_SHARE });
  if (options.labels) {
    writeFileSync(
      options.labels,
      events.map((e) => JSON.stringify({ id: e.id, kind: e.kind, label: e.label, scenario: e.scenario })).join('\n') + '\n',
    );
  }
  return events.map((e) => ({
    stream: streams.get(e.kind) as string,
    partitionKey: e.partitionKey,
    data: Buffer.from(JSON.stringify(e.event)),
  }));
}
