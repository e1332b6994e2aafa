import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './deploy';
import { startMotoServer } from './moto-server';

const STATE_DIR = join(ROOT, '.riskstream');
const RECORD = join(STATE_DIR, 'emulator.json');

export interface EmulatorRecord {
  readonly endpoint: string;
  /** Set when riskstream started it (and so may stop it). */
  readonly pid?: number;
}

/** The moto server this process started (from the moment it was spawned) and has not stopped yet. */
let startedHere: (EmulatorRecord & { readonly pid: number }) | undefined;

/**
 * The moto server this process started and has not stopped: the one a demo must stop on its way out,
 * however it ends. An emulator given in AWS_ENDPOINT_URL, or one an earlier `up` left running and
 * this process only reused, is never it.
 */
export function emulatorStartedHere(): (EmulatorRecord & { readonly pid: number }) | undefined {
  return startedHere;
}

export async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint.replace('//localhost', '//127.0.0.1'), { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

function readRecord(): EmulatorRecord | undefined {
  try {
    return JSON.parse(readFileSync(RECORD, 'utf8')) as EmulatorRecord;
  } catch {
    return undefined;
  }
}

/**
 * The emulator to use: the one in AWS_ENDPOINT_URL if set (it must answer), else the moto server an
 * earlier `up` started if it still answers, else a new moto server on a free loopback port that
 * outlives this process until `down`.
 */
export async function ensureEmulator(log: (line: string) => void): Promise<EmulatorRecord & { readonly started: boolean }> {
  const given = process.env['AWS_ENDPOINT_URL'];
  if (given) {
    if (!(await answers(given)))
      throw new Error(
        `no AWS emulator answers at AWS_ENDPOINT_URL=${given}: start it, or unset AWS_ENDPOINT_URL to let riskstream start moto server.`,
      );
    return { endpoint: given, started: false };
  }
  const earlier = readRecord();
  if (earlier && (await answers(earlier.endpoint))) {
    log(`reusing the emulator at ${earlier.endpoint}`);
    return { ...earlier, started: false };
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const moto = await startMotoServer({
    detachedLog: join(STATE_DIR, 'moto.log'),
    onSpawn: (spawned) => {
      startedHere = spawned;
    },
  }).catch((error: unknown) => {
    startedHere = undefined; // it did not come up, and startMotoServer killed it
    throw error;
  });
  const record: EmulatorRecord = { endpoint: moto.endpoint, pid: moto.pid };
  writeFileSync(RECORD, `${JSON.stringify(record)}\n`);
  log(`started moto server at ${moto.endpoint} (pid ${moto.pid}; its log: .riskstream/moto.log)`);
  return { ...record, started: true };
}

/** Stops what `up` started; an emulator given in AWS_ENDPOINT_URL is left alone. */
export function stopEmulator(log: (line: string) => void): boolean {
  const record = readRecord();
  if (!record?.pid) {
    log('no emulator started by riskstream is running');
    return false;
  }
  stopEmulatorNow({ ...record, pid: record.pid }, log);
  return true;
}

/**
 * Sends the moto server SIGTERM and forgets it (its record, and the stacks deployed into it: they are
 * gone with it), without waiting: what a process can still do in its `exit` handler. False when it
 * could not be signalled for another reason than being gone already; `log` then says how to stop it.
 */
export function stopEmulatorNow(record: EmulatorRecord & { readonly pid: number }, log: (line: string) => void): boolean {
  if (startedHere?.pid === record.pid) startedHere = undefined;
  try {
    process.kill(record.pid, 'SIGTERM');
    log(`stopped moto server at ${record.endpoint} (pid ${record.pid})`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      log(
        `could not stop moto server at ${record.endpoint} (pid ${record.pid}: ${(error as Error).message}): \`riskstream down\` or \`kill ${record.pid}\` stops it`,
      );
      return false;
    }
    log(`moto server (pid ${record.pid}) had already stopped`);
  }
  forget(record);
  return true;
}

/** stopEmulatorNow, then waits until the process is gone (SIGKILL after `timeoutMs`). */
export async function stopEmulatorAndWait(
  record: EmulatorRecord & { readonly pid: number },
  log: (line: string) => void,
  timeoutMs = 5000,
): Promise<boolean> {
  if (!stopEmulatorNow(record, log)) return false;
  const deadline = Date.now() + timeoutMs;
  while (alive(record.pid)) {
    if (Date.now() >= deadline) {
      log(`moto server (pid ${record.pid}) did not stop within ${timeoutMs} ms of SIGTERM: SIGKILL`);
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      break;
    }
    await sleep(50);
  }
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the record of this emulator (if it is the one on file) and the records of the stacks deployed into it. */
function forget(record: EmulatorRecord): void {
  if (readRecord()?.endpoint === record.endpoint) rmSync(RECORD, { force: true });
  let files: string[];
  try {
    files = readdirSync(STATE_DIR).filter((f) => f.endsWith('.deployed.json'));
  } catch {
    return; // no state directory: nothing deployed from here
  }
  for (const file of files) {
    try {
      const deployed = JSON.parse(readFileSync(join(STATE_DIR, file), 'utf8')) as { endpoint?: string };
      if (deployed.endpoint === record.endpoint) rmSync(join(STATE_DIR, file), { force: true });
    } catch {
      // being written by another process, or removed meanwhile: not a record of this emulator's
    }
  }
}
