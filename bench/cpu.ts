import type { KinesisStreamRecord } from 'aws-lambda';
import { MemoryStateStore } from '../shared/adapters/memory-state-store';
import type { TransactionEnvelope } from '../shared/domain/fraud-rules';
import { validateTransaction } from '../shared/kinds/transaction';
import { DEFAULT_RULES } from '../shared/domain/rules-config';
import { decodeRecords } from '../shared/kinesis/records';
import { TRANSACTIONS } from '../shared/kinds/transaction';
import type { ScoringItem } from '../shared/pipeline/score-batch';
import { scoreBatch } from '../shared/pipeline/score-batch';
import { CommitMode } from '../shared/state/store';
import { buildWorkload } from './workload';

export interface CpuOptions {
  readonly records: number;
  readonly warmup: number;
  readonly repeats: number;
  readonly users: number;
  readonly batchSize: number;
  readonly seed: number;
}

/** µs per record of each repeat: CPU time of the process (user + system, GC threads included) and wall time. */
export interface Timing {
  readonly cpu: readonly number[];
  readonly wall: readonly number[];
}

export interface CpuResult {
  readonly options: CpuOptions;
  /** decode (base64, JSON) + validate (the event validators) + score + aggregate into the in-memory state. */
  readonly full: Timing;
  readonly decodeValidate: Timing;
  readonly scoreAggregate: Timing;
}

const kind = TRANSACTIONS.scoring(DEFAULT_RULES.transactions);

/**
 * CPU per record of the scoring core with no I/O: the decoder the Kinesis middleware runs, then
 * `scoreBatch` (group by user, apply each user's events to its panes, judge, collect decisions and
 * alerts) against the in-memory state store, batch by batch. Each repeat starts from an empty
 * store, so every repeat does the same work; a warm-up pass first lets the JIT settle.
 */
export async function measureCpu(options: CpuOptions): Promise<CpuResult> {
  const workload = buildWorkload({
    events: options.records,
    users: options.users,
    duplicateRate: 0.05,
    batchSize: options.batchSize,
    seed: options.seed,
  });
  const batches = workload.batches;
  const decoded = batches.map(decodeBatch);
  const warm = buildWorkload({
    events: options.warmup,
    users: options.users,
    duplicateRate: 0.05,
    batchSize: options.batchSize,
    seed: options.seed + 1,
  }).batches;
  await full(warm);
  await scoreOnly(warm.map(decodeBatch));
  for (const batch of warm) decodeBatch(batch);

  const result = { full: timing(), decodeValidate: timing(), scoreAggregate: timing() };
  const record = (into: { cpu: number[]; wall: number[] }, spent: { cpuUs: number; wallUs: number }): void => {
    into.cpu.push(spent.cpuUs / workload.records.length);
    into.wall.push(spent.wallUs / workload.records.length);
  };
  for (let r = 0; r < options.repeats; r++) {
    record(result.full, await timed(() => full(batches)));
    record(result.decodeValidate, await timed(async () => void batches.forEach(decodeBatch)));
    record(result.scoreAggregate, await timed(() => scoreOnly(decoded)));
  }
  return { options, ...result };
}

function decodeBatch(batch: readonly KinesisStreamRecord[]): Array<ScoringItem<TransactionEnvelope>> {
  const items: Array<ScoringItem<TransactionEnvelope>> = [];
  for (const record of batch) {
    for (const decoded of decodeRecords(record, validateTransaction)) {
      if (decoded.status !== 'valid') throw new Error(`bench record not an event: ${decoded.status}`);
      items.push({ recordId: decoded.ref.sequenceNumber, envelope: decoded.envelope });
    }
  }
  return items;
}

async function full(batches: ReadonlyArray<readonly KinesisStreamRecord[]>): Promise<void> {
  const store = new MemoryStateStore();
  for (const batch of batches) await scoreBatch(decodeBatch(batch), kind, { store, commitMode: CommitMode.singleWriter });
}

async function scoreOnly(batches: ReadonlyArray<ReadonlyArray<ScoringItem<TransactionEnvelope>>>): Promise<void> {
  const store = new MemoryStateStore();
  for (const items of batches) await scoreBatch(items, kind, { store, commitMode: CommitMode.singleWriter });
}

function timing(): { cpu: number[]; wall: number[] } {
  return { cpu: [], wall: [] };
}

async function timed(work: () => Promise<void>): Promise<{ cpuUs: number; wallUs: number }> {
  const wallStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  await work();
  const cpu = process.cpuUsage(cpuStarted);
  return { cpuUs: cpu.user + cpu.system, wallUs: (performance.now() - wallStarted) * 1000 };
}

/** Run in a process of its own (`tsx bench/cpu.ts '<options as JSON>'`): prints the result as JSON. */
if (require.main === module) {
  measureCpu(JSON.parse(process.argv[2] ?? '{}') as CpuOptions).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
