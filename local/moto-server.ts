import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningEmulator {
  /** What to put in AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export const MOTO_MISSING =
  'moto_server was not found on PATH: install it with `pip install "moto[server]"` (Python 3.9+), or set AWS_ENDPOINT_URL to a running AWS emulator such as LocalStack.';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto server on a free loopback port and waits until it answers. The endpoint says
 * `localhost`, not 127.0.0.1: moto's CloudFormation reads an S3 URL with an IP host as a bucket name.
 */
export async function startMotoServer({
  timeoutMs = 30_000,
  detachedLog,
  onSpawn,
}: {
  timeoutMs?: number;
  detachedLog?: string;
  /** Called as soon as the process exists, before it answers: a caller stopped meanwhile knows what to stop. */
  onSpawn?: (spawned: { readonly endpoint: string; readonly pid: number }) => void;
} = {}): Promise<RunningEmulator> {
  if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error) throw new Error(MOTO_MISSING);
  const port = await freePort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  // Detached (for `riskstream up`): it outlives this process, its output goes to a log file.
  const log = detachedLog ? openSync(detachedLog, 'a') : undefined;
  const child: ChildProcess =
    log === undefined
      ? spawn('moto_server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('moto_server', args, { stdio: ['ignore', log, log], detached: true });
  if (log !== undefined) child.unref();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const endpoint = `http://localhost:${port}`;
  if (child.pid !== undefined) onSpawn?.({ endpoint, pid: child.pid });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}: ${stderr.trim()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/moto-api/`);
      if (response.ok) {
        return {
          endpoint,
          pid: child.pid ?? 0,
          stop: async () => {
            if (child.exitCode !== null) return;
            child.kill('SIGTERM');
            await new Promise((resolve) => child.once('exit', resolve));
          },
        };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`moto_server did not answer on port ${port} within ${timeoutMs} ms: ${stderr.trim()}`);
}
