import { setTimeout as delay } from 'node:timers/promises';
import { Backoff } from './kinesis/backoff';

/** Node's errors for an endpoint that does not answer, as the AWS SDK passes them on. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

function isUnreachable(error: unknown): boolean {
  return UNREACHABLE.has(String((error as { code?: unknown } | undefined)?.code));
}

/**
 * Calls until the emulator answers, for at most `patienceMs`, saying once that it waits: what the
 * runtime reads at its start must not fail on an outage its pollers would sit out (a supervisor
 * restarting it into one, say). Any other error, or an outage longer than the patience, is thrown.
 */
export async function whileUnreachable<T>(
  what: string,
  call: () => Promise<T>,
  log: (line: string) => void,
  patienceMs = 60_000,
): Promise<T> {
  const backoff = new Backoff(200, 2_000);
  const giveUpAt = Date.now() + patienceMs;
  let said = false;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isUnreachable(error) || Date.now() >= giveUpAt) throw error;
      if (!said)
        log(
          `${what}: the emulator does not answer (${(error as { code: string }).code}); waiting for it, at most ${Math.round(patienceMs / 1000)} s`,
        );
      said = true;
      await delay(backoff.next());
    }
  }
}
