import { parseArgs } from 'node:util';
import type { FixFunction } from '../../local/redrive/fix-script';
import { loadFixScript } from '../../local/redrive/fix-script';
import { redriveStackDlqs, redriveStackQuarantine } from '../../local/redrive/stack';
import type { CommandIO } from '../io';
import { write } from '../io';
import { progressBar } from '../progress';

const USAGE = `usage: riskstream redrive dlq [--stack Riskstream]
       riskstream redrive quarantine [--fix script.js] [--stack Riskstream]

dlq: reads every on-failure destination (DLQ) of the stack's event source mappings. A message names
a shard and a sequence range, never the records: they are read again from the stream and replayed
through the function of the mapping that wrote the message (the deployed bundle, with its deployed
environment), in batches of the mapping's size. A message whose records all went through is
deleted; if the function reports a record failed, the message stays for the next redrive. The
functions' writes are idempotent: a redrive twice changes nothing.
publish-alerts' DLQ is redriven from the alert outbox, whose items carry a published mark: a range's
alerts not marked are published and marked (when the outbox stream, which keeps 24 hours, no longer
holds the range, every unpublished alert older than a minute is); an alert SNS refused as the
sender's fault is published from its outbox item as it is now, and stays on the DLQ with its reason
while SNS still refuses it (fix the item, then redrive again).

quarantine: replays each quarantined record once (a record quarantined on several deliveries has
several messages; all of them go once it is replayed) through the scoring function of its stream,
with its partition key, sequence number and arrival time. A record that still fails is quarantined
again by the function with its new reason: what still fails stays, once.
--fix script: a JavaScript or TypeScript module whose default export is called as fix(input, record)
before each record is replayed. input is the record's data parsed as JSON (its text if it is not
JSON); record holds text, reason, partitionKey, streamArn, shardId and sequenceNumber. Return the
fixed event (an object is written as JSON, a string or bytes as they are), undefined to replay the
record unchanged, or null to drop it (its messages are deleted, it is not replayed).

A progress bar on a terminal, then a JSON summary on stdout. Exit status 1 when a message had to be
kept (why is on stderr); a record quarantined again with its new reason is not an error.`;

type Queue = 'dlq' | 'quarantine';

export async function redriveCommand(argv: string[], io: CommandIO): Promise<number> {
  let options: { queue: Queue; stack: string; fix?: string };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { stack: { type: 'string', default: 'Riskstream' }, fix: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
    options = { queue: redriveQueue(positionals), stack: values.stack, ...(values.fix !== undefined ? { fix: values.fix } : {}) };
    if (options.fix !== undefined && options.queue !== 'quarantine')
      throw new Error('--fix is for `redrive quarantine`: a DLQ message holds no record data to fix');
    if (options.fix === '') throw new Error('--fix needs a script path');
  } catch (error) {
    await write(io.stderr, `riskstream redrive: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }

  let fix: FixFunction | undefined;
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const bar = progressBar(io, 0);
  const onProgress = (done: number, total: number) => bar(done, total);
  const endBar = () => ((io.stderr as NodeJS.WriteStream).isTTY ? write(io.stderr, '\n') : Promise.resolve());
  try {
    if (options.fix !== undefined) fix = await loadFixScript(options.fix);
    if (options.queue === 'dlq') {
      const results = await redriveStackDlqs({ stackName: options.stack, log, onProgress });
      await endBar();
      let kept = 0;
      for (const { queue, functions, summary } of results) {
        const { problems, ...counts } = summary;
        await reportProblems(io, queue, problems);
        await write(io.stdout, `${JSON.stringify({ queue, functions, ...counts })}\n`);
        kept += summary.kept;
      }
      return kept > 0 ? 1 : 0;
    }
    const summary = await redriveStackQuarantine({ stackName: options.stack, log, onProgress, ...(fix ? { fix } : {}) });
    await endBar();
    const { problems, ...counts } = summary;
    await reportProblems(io, 'quarantine', problems);
    await write(io.stdout, `${JSON.stringify(counts)}\n`);
    return problems.length > 0 ? 1 : 0;
  } catch (error) {
    await endBar();
    await write(io.stderr, `riskstream redrive: ${(error as Error).message}\n`);
    return 1;
  }
}

function redriveQueue(positionals: readonly string[]): Queue {
  const [queue, ...rest] = positionals;
  if (queue === undefined) throw new Error('say what to redrive: dlq or quarantine');
  if (queue !== 'dlq' && queue !== 'quarantine') throw new Error(`cannot redrive "${queue}": dlq or quarantine`);
  if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}"`);
  return queue;
}

const SHOWN = 20;

async function reportProblems(io: CommandIO, queue: string, problems: readonly string[]): Promise<void> {
  for (const problem of problems.slice(0, SHOWN)) await write(io.stderr, `${queue}: ${problem}\n`);
  if (problems.length > SHOWN) await write(io.stderr, `${queue}: … and ${problems.length - SHOWN} more\n`);
}
