import { parseArgs } from 'node:util';
import { runDemo } from '../../local/demo/bounded';
import { runContinuousDemo } from '../../local/demo/continuous';
import { DemoLifetime } from '../../local/demo/lifetime';
import type { CommandIO } from '../io';
import { write } from '../io';

const USAGE = `usage: riskstream demo [--rate R] [--seed S] [--port P] [--stack Riskstream]
       riskstream demo --events N [--seed S] [--port P] [--stack Riskstream]

Runs the whole pipeline on this machine: starts (or reuses) the emulator and deploys the stack,
runs the deployed functions with the local runtime, puts generated traffic into Kinesis and serves
a live page on http://127.0.0.1:P/ (default 8787; a port in use falls back to a free one).

Without --events it runs until Ctrl-C: R events a second (default 30, event time following the
clock; every 500th record is malformed on purpose, to show the quarantine), a compact summary
line every 5 seconds. Ctrl-C stops producing, the runtime and the page, prints the summary, and
stops the emulator if this demo started it.

With --events N it puts N events, and once the system has been quiet for a few seconds prints the
summary and exits (the emulator stays up for a look around; \`riskstream down\` stops it).

Whatever else ends it — Ctrl-C, SIGTERM, SIGHUP, its output's reader going away (EPIPE: the tee
it was piped into died), an error — the demo stops what it started: the traffic, the runtime, the
page, and the moto server it started (never an emulator given in AWS_ENDPOINT_URL or reused), or
says on stderr how to stop it. Before the pipeline runs it stops at once; once it runs, cleanly
(a second Ctrl-C: at once). Exit status: 130 after Ctrl-C (SIGINT), 143 after SIGTERM, 129 after
SIGHUP, 0 when the reader went away without a signal, 1 after an error.

The summary: events in, decisions by action (from DynamoDB), alerts by severity as an SQS
subscriber of the SNS topic received them, the quarantine and dead-letter queues, detection
precision and recall against the generator's labels, latency from put to alert (p50/p95/p99),
the orders (a tenth of the events are orders and payments) by their join's outcome — joined,
amount_mismatch, unpaid, orphan_payment, still waiting — beside what their labels expect (the demo
deploys a one-minute join window; the default is 30 minutes), and the time spent inside each function.`;

interface DemoArgs {
  events?: string;
  rate: string;
  seed: string;
  port: string;
  stack: string;
  help?: boolean;
}

export async function demoCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: DemoArgs;
  try {
    values = parseArgs({
      args: argv,
      options: {
        events: { type: 'string' },
        rate: { type: 'string', default: '30' },
        seed: { type: 'string', default: '1' },
        port: { type: 'string', default: '8787' },
        stack: { type: 'string', default: 'Riskstream' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values as DemoArgs;
  } catch (error) {
    await write(io.stderr, `riskstream demo: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
  const problem = argumentProblem(values);
  if (problem) {
    await write(io.stderr, `riskstream demo: ${problem}\n${USAGE}\n`);
    return 2;
  }
  // Whatever ends the demo — Ctrl-C, SIGTERM, SIGHUP, its output's reader going away, an error —
  // it stops what it started; see DemoLifetime for how, and for the exit status.
  const life = new DemoLifetime({ stdout: io.stdout, stderr: io.stderr }).install();
  const log = life.log;
  const common = {
    seed: Number(values.seed),
    port: Number(values.port),
    stackName: values.stack,
    signal: life.signal,
    log,
    onRunning: () => life.markRunning(),
  };
  let code: number;
  try {
    if (values.events !== undefined) {
      const summary = await runDemo({ ...common, events: Number(values.events) });
      await life.out(`${JSON.stringify(summary, null, 2)}\n`);
      life.keepEmulator();
    } else {
      const { summary } = await runContinuousDemo({ ...common, rate: Number(values.rate), poisonEvery: 500, progress: log });
      await life.out(`${JSON.stringify(summary, null, 2)}\n`);
    }
    code = 0;
  } catch (error) {
    log(`riskstream demo: ${(error as Error).message}`);
    code = 1;
  }
  return life.close(code);
}

export function argumentProblem(values: DemoArgs): string | undefined {
  const positive = (text: string | undefined) => text !== undefined && /^\d+$/.test(text) && Number(text) >= 1;
  if (values.events !== undefined && !positive(values.events)) return `--events must be a positive integer, got "${values.events}"`;
  if (!positive(values.seed)) return `--seed must be a positive integer, got "${values.seed}"`;
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) return `--port must be a port number (0–65535), got "${values.port}"`;
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 2000)
    return `--rate must be a number of events per second between 0 and 2000, got "${values.rate}"`;
  return undefined;
}
