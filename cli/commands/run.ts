import { parseArgs } from 'node:util';
import { startLocalRuntime } from '../../local/runtime/runtime';
import type { MappingStatus } from '../../local/runtime/runtime';
import type { CommandIO } from '../io';
import { write } from '../io';

const USAGE = `usage: riskstream run [--stack Riskstream] [--from-start] [--idle-exit SECONDS]

Runs the deployed functions on this machine, fed by their event sources with the settings of the
stack's event source mappings, until Ctrl-C (or until --idle-exit seconds pass without a new
record). It resumes each shard from its checkpoint; --from-start replays every stream from its
trim horizon (a full replay changes no aggregate and sends no alert twice).`;

export async function runPipelineCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: { stack: string; 'from-start'?: boolean; 'idle-exit'?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        stack: { type: 'string', default: 'Riskstream' },
        'from-start': { type: 'boolean' },
        'idle-exit': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values as typeof values;
  } catch (error) {
    await write(io.stderr, `riskstream run: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
  const idleSeconds = values['idle-exit'] === undefined ? undefined : Number(values['idle-exit']);
  if (idleSeconds !== undefined && !(idleSeconds > 0)) {
    await write(io.stderr, `riskstream run: --idle-exit must be a positive number of seconds\n`);
    return 2;
  }
  const log = (line: string) => io.stderr.write(`${line}\n`);
  try {
    const runtime = await startLocalRuntime({ stackName: values.stack, fromStart: values['from-start'] === true, log });
    log(
      `running ${runtime.mappings.length} event source mappings: ${runtime.mappings.map((m) => m.functionName).join(', ')}; the functions' logs go to .riskstream/${values.stack}.functions.log`,
    );
    let statuses: MappingStatus[];
    if (idleSeconds !== undefined) {
      statuses = await runtime.runUntilIdle(idleSeconds * 1000);
    } else {
      const stop = () => void runtime.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await runtime.start();
      statuses = runtime.status();
    }
    for (const s of statuses) {
      // The seed's recovery output, one line per mapping.
      await write(
        io.stdout,
        `${JSON.stringify({ job: s.functionName, source: s.source, recoveredFrom: s.stats.resumedFrom, recordsRead: s.stats.recordsRead, batches: s.stats.batchesInvoked, sentToDestination: s.stats.recordsFailedToDestination, status: 'stopped' })}\n`,
      );
    }
    return 0;
  } catch (error) {
    await write(io.stderr, `riskstream run: ${(error as Error).message}\n`);
    return 1;
  }
}
