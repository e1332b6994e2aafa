import type { Writable } from 'node:stream';
import type { EmulatorRecord } from '../emulator';
import { emulatorStartedHere, stopEmulatorAndWait, stopEmulatorNow } from '../emulator';

/** The signals that end a demo: Ctrl-C, a process manager's stop, a closed terminal. */
export const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type EndingSignal = (typeof ENDING_SIGNALS)[number];

/** 128 + the signal's number: what a shell reports for a process the signal ended. */
export const SIGNAL_EXIT_CODES: Readonly<Record<EndingSignal, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** The part of `process` a lifetime uses; tests pass a stand-in. */
export interface LifetimeHost {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
  exit(code: number): void;
}

/** A second signal this soon after the first is the same one delivered twice, not a second Ctrl-C. */
const SAME_PRESS_MS = 500;

export type StartedEmulator = EmulatorRecord & { readonly pid: number };

export interface DemoLifetimeOptions {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly host?: LifetimeHost;
  /** The emulator this process started (and so must stop); by default the one ensureEmulator started. */
  readonly startedEmulator?: () => StartedEmulator | undefined;
  readonly stopEmulatorNow?: (emulator: StartedEmulator, log: (line: string) => void) => boolean;
  readonly stopEmulatorAndWait?: (emulator: StartedEmulator, log: (line: string) => void) => Promise<boolean>;
  /** How long a clean stop may take before the demo stops at once (default 30 s). */
  readonly cleanStopMs?: number;
  /** How long the process may linger after the demo is over and cleaned up (default 5 s). */
  readonly lingerMs?: number;
}

/**
 * What ends a demo, and what it stops on its way out. Whatever ends it — SIGINT (Ctrl-C), SIGTERM,
 * SIGHUP, the reader of its output going away (EPIPE on stdout or stderr: `riskstream demo | tee`
 * when tee dies), an error, an uncaught exception — the moto server this process started is stopped
 * (never one given in AWS_ENDPOINT_URL or only reused), or stderr says how to stop it.
 *
 * - Before the pipeline runs (the emulator starting, the stack deploying) there is nothing to sum up:
 *   an ending stops the emulator at once and exits.
 * - Once it runs, the first ending aborts `signal`: the demo stops producing, the runtime finishes its
 *   batches and saves its checkpoints, the page closes, the summary is printed (if stdout still has a
 *   reader), then `close` stops the emulator. A second signal (half a second or more after the first:
 *   `npm start` forwards the terminal's Ctrl-C to the demo, which gets it twice), or a clean stop that
 *   takes longer than `cleanStopMs`, stops the emulator and exits at once.
 * - A process `exit` that comes before `close` (process.exit, an uncaught exception) still stops the
 *   emulator, synchronously, in the `exit` handler.
 *
 * Exit status: 128 + the signal's number after a signal (130 for Ctrl-C, 143 for SIGTERM, 129 for
 * SIGHUP), 0 when the reader went away without a signal (it chose to stop reading), else the demo's own.
 */
export class DemoLifetime {
  private readonly controller = new AbortController();
  /** Aborted by the first ending once the pipeline runs: stop producing and wind down. */
  readonly signal: AbortSignal = this.controller.signal;
  private readonly host: LifetimeHost;
  private readonly startedEmulator: () => StartedEmulator | undefined;
  private readonly stopNowFn: (emulator: StartedEmulator, log: (line: string) => void) => boolean;
  private readonly stopAndWaitFn: (emulator: StartedEmulator, log: (line: string) => void) => Promise<boolean>;
  private signalled: EndingSignal | undefined;
  private signalledAt = 0;
  private readerGone = false;
  private stdoutGone = false;
  private stderrGone = false;
  private running = false;
  private keep = false;
  private closed = false;
  private cleanStopTimer: NodeJS.Timeout | undefined;
  private readonly signalListeners = ENDING_SIGNALS.map((name) => [name, () => this.onSignal(name)] as const);

  constructor(private readonly options: DemoLifetimeOptions) {
    this.host = options.host ?? process;
    this.startedEmulator = options.startedEmulator ?? emulatorStartedHere;
    this.stopNowFn = options.stopEmulatorNow ?? stopEmulatorNow;
    this.stopAndWaitFn = options.stopEmulatorAndWait ?? stopEmulatorAndWait;
  }

  /** Listens for the endings; until `close`. */
  install(): this {
    for (const [name, listener] of this.signalListeners) this.host.on(name, listener);
    this.host.on('exit', this.onExit);
    // Kept after close: a write error is emitted on a later tick, and an 'error' nobody listens to crashes the process.
    this.options.stdout.on('error', (error: Error) => this.onOutputError('stdout', error));
    this.options.stderr.on('error', (error: Error) => this.onOutputError('stderr', error));
    return this;
  }

  /** A line on stderr, while it has a reader. */
  readonly log = (line: string): void => {
    if (this.stderrGone || this.options.stderr.destroyed) return;
    this.options.stderr.write(`${line}\n`);
  };

  /** Writes to stdout and waits until it took the text; a reader gone is an ending, not an error. */
  out(text: string): Promise<void> {
    if (this.stdoutGone || this.options.stdout.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.options.stdout.write(text, (error) => {
        if (error) this.onOutputError('stdout', error);
        resolve();
      });
    });
  }

  /** The pipeline runs: from now on the first ending winds it down cleanly instead of stopping at once. */
  markRunning(): void {
    this.running = true;
  }

  /** Something ended the demo (a signal, or the reader of its output went away). */
  get ended(): boolean {
    return this.signalled !== undefined || this.readerGone;
  }

  /** The demo ended as planned and leaves the emulator it started up (`--events`: for a look around), saying so. */
  keepEmulator(): void {
    const emulator = this.startedEmulator();
    if (!emulator || this.ended) return;
    this.keep = true;
    this.log(
      `the emulator stays up for a look around: moto server at ${emulator.endpoint} (pid ${emulator.pid}); \`riskstream down\` stops it`,
    );
  }

  /** The exit status for the demo's own `code`, given what ended it. */
  exitCode(code: number): number {
    if (this.signalled) return SIGNAL_EXIT_CODES[this.signalled];
    if (this.readerGone) return 0;
    return code;
  }

  /**
   * The demo is over: stops the emulator this process started (unless kept) and waits until it is
   * gone, stops listening for signals, and returns the exit status. A process still held open by
   * something else after `lingerMs` is ended (`demoCommand` is the CLI's: the process ends with it).
   */
  async close(code: number): Promise<number> {
    const status = this.exitCode(code);
    if (this.closed) return status;
    this.closed = true;
    clearTimeout(this.cleanStopTimer);
    const emulator = this.startedEmulator();
    if (emulator && !this.keep) await this.stopAndWaitFn(emulator, this.log);
    for (const [name, listener] of this.signalListeners) this.host.off(name, listener);
    this.host.off('exit', this.onExit);
    // Whatever still holds the process open now (a runtime worker a failed start left behind, a child, a socket) must not keep it
    // running for ever, its emulator stopped and nobody told: the demo is over, the process ends.
    setTimeout(() => this.host.exit(status), this.options.lingerMs ?? 5000).unref();
    return status;
  }

  private onSignal(name: EndingSignal): void {
    if (this.signalled) {
      // The same Ctrl-C twice: the terminal's, and the copy `npm start` forwards to its script a moment later.
      if (Date.now() - this.signalledAt < SAME_PRESS_MS) return;
      this.log('stopping at once');
      this.stopAtOnce();
      return;
    }
    this.signalled = name;
    this.signalledAt = Date.now();
    this.end(name === 'SIGINT' ? 'Ctrl-C' : name, name === 'SIGINT' ? 'Ctrl-C again' : `${name} or Ctrl-C again`);
  }

  private onOutputError(stream: 'stdout' | 'stderr', error: Error): void {
    if (stream === 'stdout') this.stdoutGone = true;
    else this.stderrGone = true;
    if (this.readerGone) return;
    this.readerGone = true;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    // Said on the other stream, if it still has a reader.
    if (stream === 'stdout') this.log(`riskstream demo: stdout has no reader any more (${code})`);
    this.end(`the reader of its ${stream} going away`, 'Ctrl-C');
  }

  private end(what: string, again: string): void {
    if (this.closed) return;
    if (!this.running) {
      this.log(`riskstream demo: stopped by ${what} before the pipeline was running`);
      this.stopAtOnce();
      return;
    }
    if (this.controller.signal.aborted) return;
    const emulator = this.startedEmulator() ? ', then the moto server this demo started' : '';
    this.log(
      `\nstopped by ${what}: no more events are put, the runtime saves its checkpoints, the page closes${emulator} (${again} to stop at once)…`,
    );
    this.controller.abort();
    const cleanStopMs = this.options.cleanStopMs ?? 30_000;
    this.cleanStopTimer = setTimeout(() => {
      this.log(`the clean stop took longer than ${cleanStopMs / 1000} s: stopping at once`);
      this.stopAtOnce();
    }, cleanStopMs);
    this.cleanStopTimer.unref();
  }

  /** Stops the emulator without waiting and exits: nothing else this process started outlives it. */
  private stopAtOnce(): void {
    this.stopEmulatorNow();
    this.host.exit(this.exitCode(1));
  }

  private readonly onExit = (): void => {
    if (!this.keep) this.stopEmulatorNow();
  };

  private stopEmulatorNow(): void {
    const emulator = this.startedEmulator();
    if (emulator) this.stopNowFn(emulator, this.log);
  }
}
