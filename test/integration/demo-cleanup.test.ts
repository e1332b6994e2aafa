import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ROOT } from '../../local/deploy';

/**
 * The demo as a user runs it — `node bin/riskstream.js demo`, a real process with no
 * AWS_ENDPOINT_URL, so it starts a moto server of its own — ended the ways a terminal ends it. Whatever
 * ends it, the moto server it started must be gone afterwards (its port refuses connections).
 */

interface Demo {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr, or rejects if the demo exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or 128 + the signal's number) once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const stacks: string[] = [];
const motoPids: number[] = [];
const demos: ChildProcess[] = [];

function startDemo(stack: string): Demo {
  stacks.push(stack);
  // No AWS_ENDPOINT_URL (the suite's global setup set one for the other tests): the demo must start its own moto server.
  const env = { ...process.env };
  delete env['AWS_ENDPOINT_URL'];
  const child = spawn(process.execPath, ['bin/riskstream.js', 'demo', '--rate', '5', '--port', '0', '--stack', stack], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demos.push(child);
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const check of waiters) check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const check of waiters) check();
    }),
  );
  return {
    child,
    stderr: () => stderr,
    exited,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
        const check = () => {
          const match = stderr.match(pattern);
          if (match) done(undefined, match);
          else if (child.exitCode !== null || child.signalCode !== null)
            done(new Error(`the demo exited (${child.exitCode ?? child.signalCode}) before ${pattern}; stderr:\n${stderr}`));
        };
        function done(error?: Error, match?: RegExpMatchArray) {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(match as RegExpMatchArray);
        }
        waiters.add(check);
        check();
      }),
  };
}

/** The moto server the demo says it started: its port and pid (a reused one would prove nothing here). */
async function motoStartedBy(demo: Demo): Promise<{ port: number; pid: number }> {
  const match = await demo.waitFor(/started moto server at http:\/\/localhost:(\d+) \(pid (\d+)|reusing the emulator at (\S+)/, 60_000);
  if (match[3])
    throw new Error(
      `the demo reused the emulator at ${match[3]} (.riskstream/emulator.json): stop it with \`riskstream down\` and run this test again`,
    );
  const moto = { port: Number(match[1]), pid: Number(match[2]) };
  motoPids.push(moto.pid);
  return moto;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** True once the process is gone (or a zombie nobody has reaped yet: it holds nothing any more). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

async function exitWithin(demo: Demo, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the demo did not exit within ${ms} ms; stderr:\n${demo.stderr()}`)), ms);
  });
  try {
    return await Promise.race([demo.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('riskstream demo stops what it started, whatever ends it', () => {
  // A failed test must not leave its moto server behind (nor the next test reuse it).
  afterEach(() => {
    for (const child of demos.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of motoPids.splice(0)) {
      try {
        if (!gone(pid)) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      const record = join(ROOT, '.riskstream', 'emulator.json');
      if (existsSync(record) && (JSON.parse(readFileSync(record, 'utf8')) as { pid?: number }).pid === pid) rmSync(record, { force: true });
    }
  });

  afterAll(() => {
    for (const stack of stacks) {
      for (const suffix of ['deployed.json', 'checkpoints.json', 'functions.log'])
        rmSync(join(ROOT, '.riskstream', `${stack}.${suffix}`), { force: true });
      rmSync(join(ROOT, 'cdk.out.local', stack), { recursive: true, force: true });
    }
  });

  it('`npm start | tee demo.log`, then Ctrl-C: tee dies (EPIPE on stdout), yet the demo stops cleanly, stops its moto server and exits 130', async () => {
    const demo = startDemo(`RiskstreamCleanup${Date.now().toString(36)}`);
    // The demo's stdout goes into a real tee, and only into it: the test's own end of the pipe is closed.
    const logFile = join(tmpdir(), `riskstream-demo-cleanup-${process.pid}.log`);
    const tee = spawn('tee', [logFile], { stdio: [demo.child.stdout as Readable, 'ignore', 'ignore'] });
    demo.child.stdout?.destroy();
    const teeExited = new Promise((resolve) => tee.once('exit', resolve));
    const moto = await motoStartedBy(demo);
    await demo.waitFor(/the pipeline runs/, 150_000);
    expect(await accepts(moto.port)).toBe(true);

    // Ctrl-C reaches the whole pipeline: tee dies of it, the demo gets SIGINT — twice, as under `npm start`,
    // which forwards the terminal's SIGINT to its script a moment later.
    tee.kill('SIGINT');
    await teeExited;
    demo.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    demo.child.kill('SIGINT');

    const exit = await exitWithin(demo, 90_000);
    rmSync(logFile, { force: true });
    expect(await eventually(async () => !(await accepts(moto.port)), 10_000)).toBe(true);
    expect(await eventually(() => gone(moto.pid), 10_000)).toBe(true);
    expect(exit).toEqual({ code: 130, signal: null });
    const stderr = demo.stderr();
    expect(stderr).toContain('stopping: no more events are put'); // a clean stop, not "at once"
    expect(stderr).not.toContain('stopping at once');
    // The summary had no reader: said in one line, not a crash's stack trace.
    expect(stderr).toContain('riskstream demo: stdout has no reader any more (EPIPE)');
    expect(stderr).not.toMatch(/^\s+at |Error: write EPIPE|Unhandled/m);
    expect(stderr).toContain(`stopped moto server at http://localhost:${moto.port} (pid ${moto.pid})`);
  }, 300_000);

  it('SIGTERM while the stack is still being deployed: the demo stops its moto server at once and exits 143', async () => {
    const demo = startDemo(`RiskstreamCleanupEarly${Date.now().toString(36)}`);
    const moto = await motoStartedBy(demo);

    demo.child.kill('SIGTERM');

    const exit = await exitWithin(demo, 15_000);
    expect(await eventually(async () => !(await accepts(moto.port)), 10_000)).toBe(true);
    expect(await eventually(() => gone(moto.pid), 10_000)).toBe(true);
    expect(exit).toEqual({ code: 143, signal: null });
    expect(demo.stderr()).toContain(`stopped moto server at http://localhost:${moto.port} (pid ${moto.pid})`);
  }, 120_000);
});
