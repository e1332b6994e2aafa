import { createHash } from 'node:crypto';

/**
 * A fixed-size stand-in for an event id among an entity's recent commits (11 base64url characters, 66
 * bits of sha256): producers' ids may be 128 characters, and an entity item must stay far below
 * DynamoDB's 400 KB limit and cost as few write units as it can. Collisions need ~2^33 ids at once.
 */
export function compactId(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 11);
}
