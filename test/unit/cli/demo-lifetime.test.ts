import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LifetimeHost, StartedEmulator } from '../../../local/demo/lifetime';
import { DemoLifetime } from '../../../local/demo/lifetime';
import { stopEmulatorAndWait } from '../../../local/emulator';

/**
 * What ends a demo, and what it stops on its way out, without starting one: the signals, the
 * reader of its output going away, the process exiting, driven through a stand-in for `process`.
 */

const MOTO: StartedEmulator = { endpoint: 'http://localhost:45999', pid: 4242 };

class Host extends EventEmitter implements LifetimeHost {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

function output(fail?: NodeJS.ErrnoException): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (fail) return done(fail);
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
}

function lifetime(options: { emulator?: StartedEmulator | undefined; stdout?: Writable; cleanStopMs?: number } = {}) {
  const host = new Host();
  const stderr = output();
  let started = 'emulator' in options ? options.emulator : MOTO;
  const stoppedNow: StartedEmulator[] = [];
  const stoppedAndWaited: StartedEmulator[] = [];
  const life = new DemoLifetime({
    stdout: options.stdout ?? output().stream,
    stderr: stderr.stream,
    host,
    startedEmulator: () => started,
    stopEmulatorNow: (emulator) => {
      stoppedNow.push(emulator);
      started = undefined;
      return true;
    },
    stopEmulatorAndWait: async (emulator) => {
      stoppedAndWaited.push(emulator);
      started = undefined;
      return true;
    },
    lingerMs: 60_000,
    ...(options.cleanStopMs === undefined ? {} : { cleanStopMs: options.cleanStopMs }),
  }).install();
  return { life, host, stderr: stderr.text, stoppedNow, stoppedAndWaited };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the demo lifetime: whatever ends the demo, it stops what it started', () => {
  it('Ctrl-C while the pipeline runs winds it down cleanly, then stops the moto server it started and exits 130', async () => {
    const { life, host, stderr, stoppedNow, stoppedAndWaited } = lifetime();
    life.markRunning();

    host.emit('SIGINT');

    expect(life.signal.aborted).toBe(true);
    expect(host.exits).toEqual([]); // not at once: the runtime saves its checkpoints, the summary is printed
    expect(stoppedNow).toEqual([]);
    expect(stderr()).toContain('stopped by Ctrl-C');
    expect(await life.close(0)).toBe(130);
    expect(stoppedAndWaited).toEqual([MOTO]);
    expect(host.listenerCount('SIGINT') + host.listenerCount('SIGTERM') + host.listenerCount('SIGHUP') + host.listenerCount('exit')).toBe(
      0,
    );
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ])('%s exits with %i', async (signal, status) => {
    const { life, host } = lifetime();
    life.markRunning();
    host.emit(signal);
    expect(await life.close(0)).toBe(status);
  });

  it('a second Ctrl-C stops the moto server and exits at once', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { life, host, stoppedNow } = lifetime();
      life.markRunning();
      host.emit('SIGINT');
      jest.setSystemTime(1_000_600);
      host.emit('SIGINT');
      expect(stoppedNow).toEqual([MOTO]);
      expect(host.exits).toEqual([130]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('`npm start` + Ctrl-C delivers SIGINT twice in a moment (the terminal’s, npm’s copy): that is one Ctrl-C, a clean stop', async () => {
    const { life, host, stoppedNow, stoppedAndWaited } = lifetime();
    life.markRunning();
    host.emit('SIGINT');
    host.emit('SIGINT');
    expect(host.exits).toEqual([]);
    expect(stoppedNow).toEqual([]);
    expect(await life.close(0)).toBe(130);
    expect(stoppedAndWaited).toEqual([MOTO]);
  });

  it('a signal before the pipeline runs (the stack still deploying) stops the moto server and exits at once', () => {
    const { host, stderr, stoppedNow } = lifetime();
    host.emit('SIGTERM');
    expect(stoppedNow).toEqual([MOTO]);
    expect(host.exits).toEqual([143]);
    expect(stderr()).toContain('stopped by SIGTERM before the pipeline was running');
  });

  it('a clean stop that hangs is cut short: the moto server is stopped and the demo exits', async () => {
    jest.useFakeTimers();
    try {
      const { life, host, stoppedNow } = lifetime({ cleanStopMs: 1000 });
      life.markRunning();
      host.emit('SIGTERM');
      jest.advanceTimersByTime(1001);
      expect(stoppedNow).toEqual([MOTO]);
      expect(host.exits).toEqual([143]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a write to a stdout whose reader is gone (EPIPE) is no crash: it stops producing, cleans up and exits 0', async () => {
    const { life, host, stderr, stoppedAndWaited } = lifetime({ stdout: output(epipe()).stream });
    life.markRunning();

    await life.out('{"summary": 1}\n');
    await tick();

    expect(life.signal.aborted).toBe(true);
    expect(stderr()).toContain('stdout has no reader any more (EPIPE)');
    await life.out('more\n'); // not tried again, not thrown
    expect(await life.close(0)).toBe(0);
    expect(stoppedAndWaited).toEqual([MOTO]);
    expect(host.exits).toEqual([]);
  });

  it('Ctrl-C on `demo | tee` (SIGINT, then EPIPE at the summary) exits 130, the signal’s status', async () => {
    const { life, host, stoppedAndWaited } = lifetime({ stdout: output(epipe()).stream });
    life.markRunning();
    host.emit('SIGINT');
    await life.out('{"summary": 1}\n');
    await tick();
    expect(host.exits).toEqual([]); // the EPIPE is not a second Ctrl-C
    expect(await life.close(0)).toBe(130);
    expect(stoppedAndWaited).toEqual([MOTO]);
  });

  it('stderr losing its reader (`demo 2>&1 | tee`) ends the demo too, and logging stops instead of failing', async () => {
    const stderr = new Writable({ write: (_chunk, _encoding, done) => done(epipe()) });
    const host = new Host();
    const stopped: StartedEmulator[] = [];
    const life = new DemoLifetime({
      stdout: output().stream,
      stderr,
      host,
      startedEmulator: () => (stopped.length ? undefined : MOTO),
      stopEmulatorNow: () => true,
      stopEmulatorAndWait: async (emulator) => (stopped.push(emulator), true),
    }).install();
    life.markRunning();

    life.log('[00:05] put 25 (5/s) · …');
    await tick();
    expect(life.signal.aborted).toBe(true);
    expect(() => life.log('another line')).not.toThrow();
    expect(await life.close(0)).toBe(0);
    expect(stopped).toEqual([MOTO]);
  });

  it('once over, a process something else still holds open (a worker a failed start left behind) ends anyway', async () => {
    jest.useFakeTimers();
    try {
      const { life, host, stoppedAndWaited } = lifetime();
      life.markRunning();
      const closing = life.close(1); // an error: `ALERTS_TABLE is required`, say, with two function workers already loaded
      await jest.advanceTimersByTimeAsync(0);
      expect(await closing).toBe(1);
      expect(stoppedAndWaited).toEqual([MOTO]);
      expect(host.exits).toEqual([]);
      jest.advanceTimersByTime(60_000);
      expect(host.exits).toEqual([1]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('an exit before close (process.exit, an uncaught exception) still stops the moto server', () => {
    const { host, stoppedNow } = lifetime();
    host.emit('exit', 1);
    expect(stoppedNow).toEqual([MOTO]);
  });

  it('an emulator it did not start (AWS_ENDPOINT_URL, or reused) is never stopped', async () => {
    const { life, host, stoppedNow, stoppedAndWaited } = lifetime({ emulator: undefined });
    host.emit('SIGTERM');
    host.emit('exit', 143);
    expect(await life.close(0)).toBe(143);
    expect([...stoppedNow, ...stoppedAndWaited]).toEqual([]);
  });

  it('`--events N` that ends as planned leaves its moto server up, and says how to stop it', async () => {
    const { life, host, stderr, stoppedNow, stoppedAndWaited } = lifetime();
    life.markRunning();
    life.keepEmulator();
    expect(await life.close(0)).toBe(0);
    host.emit('exit', 0);
    expect([...stoppedNow, ...stoppedAndWaited]).toEqual([]);
    expect(stderr()).toContain(`moto server at ${MOTO.endpoint} (pid ${MOTO.pid}); \`riskstream down\` stops it`);
  });

  it('`--events N` interrupted does not keep its moto server', async () => {
    const { life, host, stoppedAndWaited } = lifetime();
    life.markRunning();
    host.emit('SIGINT');
    life.keepEmulator();
    expect(await life.close(0)).toBe(130);
    expect(stoppedAndWaited).toEqual([MOTO]);
  });
});

describe('stopping the moto server a demo started', () => {
  it('waits until the process is gone, and SIGKILLs one that ignores SIGTERM', async () => {
    // A stand-in that ignores SIGTERM; its endpoint is no emulator on record, so no record is touched.
    const child = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 0.1; done'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the trap is set
    const lines: string[] = [];
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

    const stopped = await stopEmulatorAndWait({ endpoint: 'http://localhost:1', pid: child.pid ?? 0 }, (line) => lines.push(line), 500);

    expect(stopped).toBe(true);
    expect(await exited).toBe('SIGKILL');
    expect(lines[0]).toBe(`stopped moto server at http://localhost:1 (pid ${child.pid})`);
    expect(lines[1]).toContain('did not stop within 500 ms of SIGTERM: SIGKILL');
  });

  it('an uncaught exception in the demo process still stops the moto server it started', async () => {
    // A real process: the lifetime installed on `process`, a stand-in emulator (a sleep), then a throw nobody catches.
    const script = `
      const { spawn } = require('node:child_process');
      const { DemoLifetime } = require('./local/demo/lifetime.ts');
      const moto = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
      moto.unref();
      process.stdout.write(String(moto.pid) + '\\n');
      new DemoLifetime({ stdout: process.stdout, stderr: process.stderr, startedEmulator: () => ({ endpoint: 'http://localhost:1', pid: moto.pid }) }).install();
      setTimeout(() => { throw new Error('a bug'); }, 10);
    `;
    const result = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], {
      cwd: join(__dirname, '..', '..', '..'),
      encoding: 'utf8',
    });
    const pid = Number(result.stdout.trim());

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Error: a bug');
    expect(result.stderr).toContain(`stopped moto server at http://localhost:1 (pid ${pid})`);
    expect(await goneWithin(pid, 5000)).toBe(true);
  });
});

/** True once the process is gone, or a zombie not reaped yet (it holds nothing any more). */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  const gone = () => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
    } catch {
      return true;
    }
  };
  while (!gone() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return gone();
}
