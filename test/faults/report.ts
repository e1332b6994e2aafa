import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { LedgerLine } from './audit';
import type { CaseResult } from './suite';
import { CASE_TITLES } from './suite';

/** One case's ledger line, as printed while the suite runs. */
export function formatLine(line: LedgerLine, seconds?: number, faults?: string): string {
  return (
    `[${line.name}] ` +
    [
      `in ${line.recordsIn}`,
      `counted ${line.counted}/${line.distinctEvents}${line.late > 0 ? ` (${line.late} late)` : ''}`,
      `duplicates dropped ${line.duplicatesDropped}/${line.duplicatesPut}`,
      `quarantined ${line.quarantined}/${line.poisonPut}`,
      `joins ${line.joins.matched}/${line.joins.expected}`,
      `alerts stored ${line.alertsStored}/${line.alertsExpected} (incident notifications ${line.notifications.stored}/${line.notifications.expected}, delivered ${line.notifications.delivered})`,
      `delivered ${line.alertsDelivered} (+${line.repeats.alerts} repeats)${line.alertsRejected > 0 ? `, ${line.alertsRejected} refused by SNS (on the DLQ)` : ''}`,
      `lost ${line.lost}`,
      `double ${line.double}`,
      ...(seconds === undefined ? [] : [`${seconds.toFixed(0)} s`]),
      ...(faults ? [faults] : []),
      ...(line.problems.length > 0 ? [`PROBLEMS: ${line.problems.join('; ')}`] : []),
    ].join(' | ')
  );
}

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly moto: string;
}

export function machine(): Machine {
  const moto = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    moto: moto.status === 0 ? moto.stdout.trim() : 'unknown (AWS_ENDPOINT_URL given)',
  };
}

export interface ReliabilityReport {
  readonly events: number;
  readonly seed: number;
  readonly modes: ReadonlyArray<{ readonly commitMode: string; readonly deploySeconds: number; readonly results: readonly CaseResult[] }>;
  readonly seconds: number;
  readonly machine: Machine;
}

const n = (x: number) => x.toLocaleString('en-US');

export function writeReliability(path: string, report: ReliabilityReport): void {
  const { machine: m } = report;
  const tables = report.modes.map(({ commitMode, deploySeconds, results }) => {
    const rows = results.map(
      ({ name, line, seconds }) =>
        `| ${name} | ${n(line.recordsIn)} | ${n(line.counted)} / ${n(line.distinctEvents)}${line.late > 0 ? ` (${n(line.late)} late)` : ''} | ${n(line.duplicatesDropped)} / ${n(line.duplicatesPut)} | ${n(line.quarantined)} / ${n(line.poisonPut)} | ${n(line.joins.matched)} / ${n(line.joins.expected)} | ${n(line.alertsStored)} / ${n(line.alertsExpected)} (${n(line.notifications.stored)} / ${n(line.notifications.expected)} notifications) | ${n(line.alertsDelivered)}${line.alertsRejected > 0 ? ` (+${n(line.alertsRejected)} refused by SNS)` : ''} | ${n(line.repeats.alerts)} / ${n(line.repeats.quarantine)} | **${line.lost}** | **${line.double}** | ${seconds.toFixed(0)} s |`,
    );
    const faults = results.map(({ name, faults: f }) => `- **${name}** — ${CASE_TITLES[name]}. Injected: ${f}.`);
    const rechecks = results.flatMap(({ name, earlier }) =>
      earlier.length === 0
        ? []
        : [
            `- after the replay of **${name}**, the ${earlier.length} earlier cases audited again: lost ${earlier.reduce((s, l) => s + l.lost, 0)}, double ${earlier.reduce((s, l) => s + l.double, 0)}, problems ${earlier.reduce((s, l) => s + l.problems.length, 0)}.`,
          ],
    );
    return [
      `### \`${commitMode}\` commits (deploy and synth: ${deploySeconds.toFixed(0)} s)`,
      '',
      '| case | records in | counted / distinct events | duplicates dropped / put | quarantined / poison put | joins as decided / orders | alerts stored / expected (of which incident notifications) | alerts delivered | repeats: alerts / quarantine | lost | double | time |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
      ...rows,
      '',
      ...faults,
      ...rechecks,
      '',
    ].join('\n');
  });
  const text = `# Reliability: the fault suite

Measured by \`npm run test:faults\` (\`test/faults/\`) on ${new Date().toISOString().slice(0, 10)}: ${n(report.events)} generated events a case, seed ${report.seed},
${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, moto ${m.moto}. The whole run took ${(report.seconds / 60).toFixed(1)} minutes.
\`npm test\` runs a short version (\`test/integration/faults.test.ts\`: 300 events, the combined case).

${tables.join('\n')}
## Method

- **The ledger.** Each case generates its own events with the traffic generator (\`local/traffic/generator.ts\`:
  transactions and readings, normal and labelled anomalies), every user, device and transaction id prefixed with the
  case's tag, and records what went in: the distinct events, the copies a producer put twice (5 %: half right after
  the first, so in the same batch, half much later), the poison records (1 %: not JSON, wrong types, larger than
  \`MAX_RECORD_BYTES\`, on both streams), and the hostile producers' input of \`test/faults/hostile.ts\` where a case
  calls for it: numbers DynamoDB cannot store, transactions put again re-stamped, clocks ahead (an entity's last
  event past its arrival) and events dated after their pane closed, one user with 30 % of the transactions. They
  are put with \`PutRecords\` on the deployed streams.
- **The run.** The deployed stack (\`cdk deploy\` into moto, one deploy for the suite) runs in the local runtime, in a
  child process so it can be killed; every request of the runtime and of the functions goes through the fault
  proxy (\`local/faults/fault-proxy.ts\`) to the emulator. The runtime runs until idle; a killed one is started
  again until one run ends by itself.
- **The faults.** Lambda's own delivery faults are played around the invocations (\`local/faults/delivery-faults.ts\`,
  through the runtime's \`invokeThrough\`): a batch delivered again whole after it ran; a function error after the
  writes, which makes the mapping bisect the batch; a record reported failed, which makes it retry from that
  record. DynamoDB faults are real HTTP answers from the proxy in DynamoDB's error format (400
  \`ProvisionedThroughputExceededException\`/\`ThrottlingException\`, 500 \`InternalServerError\`, 503
  \`ServiceUnavailable\`), a third of them sent *after* forwarding the request, so the write happened and the client
  believes it failed; the functions' SDK retries as it would on AWS. SIGKILL comes at a random DynamoDB write of the
  runtime, either before the write leaves or right after it landed and before its answer. The outage closes the
  proxy's port (connection refused) for a few seconds from a random write. SNS sender faults take chosen entries out
  of a \`PublishBatch\` before moto sees it and add them to its answer under \`Failed\` with \`SenderFault: true\`
  (\`local/faults/sns-sender-faults.ts\`). The expired case deletes its entity items and ages its records past the
  horizon (standing in for TTL and the days it waits), then replays every stream. The full replay is \`--from-start\`:
  every stream (both Kinesis streams and the outbox stream) from its trim horizon, with every case's records on it.
- **The audit** (\`test/faults/audit.ts\`), from what the system stored and sent: the panes (every window a rule
  reads is a sum of them) against a reference computed from the ledger alone (each distinct event once in its pane
  of its entity, unless it came after that pane closed: count, sum, min, max; a loss and a double in one pane would cancel in the count, never in the
  sum of the ledger's random amounts); one decision per distinct transaction, equal to a fault-free run of the same
  scoring core in memory over the distinct events in put order, and one stored status per distinct reading; one join
  per order, at the outcome the join's state machine gives its distinct sides in put order (joined, amount_mismatch,
  unpaid by a payment dated past the window; the others waiting: the suite fires no sweep); exactly
  that run's alert ids in the outbox, each received at least once by an SQS subscriber of the alerts topic or refused
  by SNS as the sender's fault and on publish-alerts' DLQ with its reason; every poison record in the quarantine (by
  its sha256) with the reason of its kind and no valid record there; nothing on the on-failure destinations (DLQs).
  **lost** adds up events not counted, decisions, joins and alerts missing or wrong, alerts never delivered, poison not quarantined,
  valid records quarantined and records sent to a DLQ; **double** adds up counts beyond one per distinct event,
  decisions and joins not from the ledger and alerts the fault-free run does not make. Repeats are deliveries beyond the first
  (SNS delivery and the quarantine are at least once; subscribers drop repeats by \`alertId\`, a quarantine consumer by
  shard and sequence number).
- **Panes** are kept open for the suite (allowed lateness 24 h) so that every pane an event falls in is still
  stored at the end: with the default 10 minutes, panes no window reads any more are dropped and could not be
  checked. Events dated after their pane closed are dated past these 24 h.
`;
  writeFileSync(path, text);
}
