import type { LabelledEvent } from '../traffic/generator';
import { DEFAULT_ORDER_SHARE, takeTraffic } from '../traffic/generator';
import type { DemoSummary } from './session';
import { DemoSession } from './session';

export interface DemoOptions {
  readonly events: number;
  readonly seed: number;
  readonly stackName?: string;
  /** How long without new records (and new alerts) ends the run. */
  readonly idleMs?: number;
  /** Serve the live page while it runs (0: any free port). */
  readonly port?: number;
  /** Called once the page is served, with its address. */
  readonly onServing?: (url: string) => void;
  readonly log?: (line: string) => void;
  /** Stops waiting for the system to go quiet: the summary is of what happened so far. */
  readonly signal?: AbortSignal;
  /** Called once the pipeline runs (the stack deployed, the runtime started, the page served). */
  readonly onRunning?: () => void;
}

/**
 * A bounded demo: the emulator up and the stack deployed, the local runtime running the deployed
 * functions, N generated events put while it runs, then — once the system has been quiet for a
 * few seconds — a summary of what it really did: decisions from DynamoDB, alerts as an SQS
 * subscriber of the SNS topic received them, the quarantine and dead-letter queues, against the
 * generator's labels.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const session = await DemoSession.open({
    stackName: options.stackName ?? 'Riskstream',
    seed: options.seed,
    mode: 'bounded',
    log,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  try {
    options.onRunning?.();
    if (session.url) options.onServing?.(session.url);
    const traffic = boundedTraffic(options.events, options.seed, session.idPrefix);
    const started = Date.now();
    log(`putting ${traffic.length} generated events (seed ${options.seed})…`);
    await session.put(traffic);
    const idleMs = options.idleMs ?? 4000;
    await session.waitUntilIdle(idleMs, options.signal);
    // Every join window has closed by now (the events end a minute ago): the sweep ends the joins
    // still waiting, as unpaid orders and orphan payments, instead of the run ending with them open.
    if (!options.signal?.aborted) await session.closeJoinWindows();
    const lastChange = await session.waitUntilIdle(idleMs, options.signal);
    return await session.finish((lastChange - started) / 1000);
  } finally {
    await session.close();
  }
}

/**
 * N events of the seed's traffic, orders and payments among them, whose event times end a minute
 * ago (the scorer refuses events dated after their arrival; and every join window of the demo's
 * minute has closed by the time they are put), with ids of this run's own: a demo on a reused
 * emulator would otherwise replay the last one's events as duplicates.
 */
export function boundedTraffic(events: number, seed: number, idPrefix: string): LabelledEvent[] {
  const shape = { seed, idPrefix, orderShare: DEFAULT_ORDER_SHARE };
  const span = lastEventTime(takeTraffic(events, { ...shape, start: 0 }));
  return takeTraffic(events, { ...shape, start: Date.now() - span - 60_000 });
}

function lastEventTime(events: readonly LabelledEvent[]): number {
  return Math.max(0, ...events.map((e) => Date.parse(String(e.event['timestamp']))));
}
