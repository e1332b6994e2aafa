import { parseArgs } from 'node:util';
import { runDemo } from '../../local/demo';
import type { CommandIO } from '../io';
import { write } from '../io';

const USAGE = `usage: riskstream demo --events N [--seed S] [--stack Riskstream]

Runs the whole pipeline on this machine: starts (or reuses) the emulator and deploys the stack,
runs the deployed functions with the local runtime, puts N generated events, and when the system
has been quiet for a few seconds prints a summary: events in, decisions by action, alerts by
severity as an SQS subscriber of the SNS topic received them, detection precision and recall
against the generator's labels, and latency from put to alert (p50/p95/p99).`;

export async function demoCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: { events?: string; seed: string; stack: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: { events: { type: 'string' }, seed: { type: 'string', default: '1' }, stack: { type: 'string', default: 'Riskstream' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values as typeof values;
  } catch (error) {
    await write(io.stderr, `riskstream demo: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
  const events = Number(values.events);
  const seed = Number(values.seed);
  if (!Number.isInteger(events) || events < 1 || !Number.isInteger(seed) || seed < 1) {
    await write(io.stderr, `riskstream demo: --events (and --seed) must be positive integers; the continuous demo with its live page is not built yet\n${USAGE}\n`);
    return 2;
  }
  try {
    const summary = await runDemo({ events, seed, stackName: values.stack, log: (line) => io.stderr.write(`${line}\n`) });
    await write(io.stdout, `${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } catch (error) {
    await write(io.stderr, `riskstream demo: ${(error as Error).message}\n`);
    return 1;
  }
}
