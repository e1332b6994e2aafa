import type { Validation } from '../../shared/domain/events';

/** The seed's fraud detection input. */
export const SEED_TRANSACTION = {
  transactionId: 'txn-123',
  userId: 'user-456',
  amount: 2500,
  country: 'DE',
  timestamp: '2026-04-25T12:00:00Z',
} as const;

/** The seed's stream processing input. */
export const SEED_READING = { deviceId: 'sensor-17', temperature: 82.4, timestamp: '2026-04-25T12:00:00Z' } as const;

/** A copy of the input without one field. */
export function without(input: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...input };
  delete copy[field];
  return copy;
}

/** The reason of a validation expected to fail. */
export function reasonOf<T>(validation: Validation<T>): string {
  if (validation.ok) throw new Error(`expected a rejection, got ${JSON.stringify(validation.value)}`);
  return validation.reason;
}
