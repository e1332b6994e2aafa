import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './deploy';
import { startMotoServer } from './moto-server';

const STATE_DIR = join(ROOT, '.riskstream');
const RECORD = join(STATE_DIR, 'emulator.json');

export interface EmulatorRecord {
  readonly endpoint: string;
  /** Set when riskstream started it (and so may stop it). */
  readonly pid?: number;
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
  const moto = await startMotoServer({ detachedLog: join(STATE_DIR, 'moto.log') });
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
  try {
    process.kill(record.pid, 'SIGTERM');
    log(`stopped moto server at ${record.endpoint} (pid ${record.pid})`);
  } catch {
    log(`moto server (pid ${record.pid}) had already stopped`);
  }
  rmSync(RECORD, { force: true });
  // What was deployed into it is gone with it.
  for (const file of readdirSync(STATE_DIR).filter((f) => f.endsWith('.deployed.json'))) {
    const deployed = JSON.parse(readFileSync(join(STATE_DIR, file), 'utf8')) as { endpoint?: string };
    if (deployed.endpoint === record.endpoint) rmSync(join(STATE_DIR, file), { force: true });
  }
  return true;
}
