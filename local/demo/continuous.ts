import type { LiveSnapshot } from '../live/snapshot';
import type { LabelledEvent } from '../traffic/generator';
import { DEFAULT_ORDER_SHARE, generateTraffic } from '../traffic/generator';
import type { DemoSummary, PoisonRecord } from './session';
import { DemoSession } from './session';

export interface ContinuousDemoOptions {
  readonly seed: number;
  /** Events per second put into the streams. */
  readonly rate: number;
  /** The live page's port; a port in use falls back to a free one. */
  readonly port: number;
  readonly stackName?: string;
  /** Every n-th record put is a malformed one, so the quarantine is seen at work (0: none). */
  readonly poisonEvery?: number;
  /** Stops the demo (Ctrl-C, SIGTERM, the reader of its output gone: see DemoLifetime). */
  readonly signal: AbortSignal;
  /** Called once the pipeline runs (the stack deployed, the runtime started, the page served). */
  readonly onRunning?: () => void;
  readonly log: (line: string) => void;
  /** The compact live summary, one line every few seconds. */
  readonly progress: (line: string) => void;
  readonly progressEveryMs?: number;
}

/**
 * The main job: generated traffic put continuously at a steady rate (event time follows the
 * clock), the deployed functions running in the local runtime, the live page served, a compact
 * summary printed every few seconds — until the signal stops it, cleanly: producing stops first,
 * then the runtime (its checkpoints saved), then the page.
 */
export async function runContinuousDemo(options: ContinuousDemoOptions): Promise<{ summary: DemoSummary; emulatorStarted: boolean }> {
  const session = await DemoSession.open({
    stackName: options.stackName ?? 'Riskstream',
    seed: options.seed,
    mode: 'continuous',
    log: options.log,
    port: options.port,
  });
  const started = Date.now();
  try {
    options.onRunning?.();
    options.log('Ctrl-C stops the demo');
    // As many users and devices per event as the bounded demo has (500 users and 50 devices at 5 events
    // per second of event time): crowd fewer people into a faster stream and normal users look like bursts.
    const scale = Math.max(1, options.rate / 5);
    const traffic = generateTraffic({
      seed: options.seed,
      idPrefix: session.idPrefix,
      start: Date.now(),
      meanGapMs: 1000 / options.rate,
      users: Math.round(500 * scale),
      devices: Math.round(50 * scale),
      interleave: true,
      orderShare: DEFAULT_ORDER_SHARE,
    });
    let next: LabelledEvent | undefined = traffic.next().value as LabelledEvent;
    let count = 0;
    let poison = 0;
    let lastProgress = Date.now();
    while (!options.signal.aborted) {
      const now = Date.now();
      const due: LabelledEvent[] = [];
      const bad: PoisonRecord[] = [];
      while (next && Date.parse(String(next.event['timestamp'])) <= now && due.length < 2000) {
        due.push(next);
        count++;
        if (options.poisonEvery && count % options.poisonEvery === 0) bad.push(poisonRecord(session.idPrefix, poison++));
        next = traffic.next().value as LabelledEvent;
      }
      if (due.length > 0) await session.put(due, bad);
      if (Date.now() - lastProgress >= (options.progressEveryMs ?? 5000)) {
        options.progress(progressLine(session.snapshot()));
        lastProgress = Date.now();
      }
      await delay(250, options.signal);
    }
    options.log('stopping: no more events are put; the runtime finishes its batches and saves its checkpoints…');
    return { summary: await session.finish((Date.now() - started) / 1000), emulatorStarted: session.emulatorStarted };
  } finally {
    await session.close();
  }
}

/** A transaction the scorer must refuse (its amount is not a number): the quarantine's demonstration. */
export function poisonRecord(idPrefix: string, n: number): PoisonRecord {
  const transactionId = `txn-${idPrefix}-poison-${n}`;
  return {
    kind: 'transaction',
    partitionKey: `poison-${n}`,
    data: JSON.stringify({
      transactionId,
      userId: `poison-${n}`,
      amount: 'a lot',
      currency: 'EUR',
      country: 'DE',
      merchantCategory: 'grocery',
      timestamp: new Date().toISOString(),
    }),
  };
}

/** `[01:05] put 2,600 (40.1/s) · scored 2,590 · lag 0.3 s · decisions …`: what the live page shows, in one line. */
export function progressLine(s: LiveSnapshot): string {
  const elapsed = Math.round((s.now - s.startedAt) / 1000);
  const mmss = `${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
  const rate = s.throughput.at(-1)?.put ?? 0;
  const lag = Math.max(0, ...s.lag.map((l) => l.lagMs));
  const n = (x: number) => x.toLocaleString('en-US');
  const d = s.state?.decisionsByAction ?? {};
  const sev = s.alerts.bySeverity;
  const dlq = Object.values(s.queues.dlq).reduce((a, b) => a + b, 0);
  const o = s.state?.orders;
  return [
    `[${mmss}] put ${n(s.eventsPut)} (${rate}/s)`,
    `scored ${n(s.recordsScored)}`,
    `lag ${(lag / 1000).toFixed(1)} s`,
    `decisions ${n(d['approve'] ?? 0)} approve / ${n(d['manual_review_required'] ?? 0)} review / ${n(d['block'] ?? 0)} block`,
    ...(o
      ? [
          `orders ${n(o.joined)} joined / ${n(o.amount_mismatch)} mismatch / ${n(o.unpaid)} unpaid / ${n(o.orphan_payment)} orphan / ${n(o.waiting)} waiting`,
        ]
      : []),
    `alerts ${sev['critical'] ?? 0} critical / ${sev['warning'] ?? 0} warning / ${sev['info'] ?? 0} info`,
    `notifications ${Object.values(s.alerts.notificationsByTransition).reduce((a, b) => a + b, 0)}`,
    `quarantine ${s.queues.quarantine} · dlq ${dlq}`,
    `precision ${s.detection.precision.toFixed(2)} recall ${s.detection.recall.toFixed(2)}`,
    ...(s.notificationLatencyMs.samples > 0 ? [`put → notification p95 ${(s.notificationLatencyMs.p95 / 1000).toFixed(1)} s`] : []),
  ].join(' · ');
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
