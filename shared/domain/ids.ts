import * as crypto from 'node:crypto';

/**
 * A fixed-size stand-in for an event id among an entity's recent commits (11 base64url characters, 66
 * bits of sha256): producers' ids may be 128 characters, and an entity item must stay far below
 * DynamoDB's 400 KB limit and cost as few write units as it can. Collisions need ~2^33 ids at once.
 * Stored in entity items: the format must never change, or items written before would not recognise
 * their events.
 */
export function compactId(id: string): string {
  return sha256Base64url(id).slice(0, 11);
}

/**
 * The one-shot `crypto.hash` (Node 20.12+, 21.7+) hashes an id about five times faster than a Hash
 * object, which every transaction of every batch would otherwise create; the digest is the same (the
 * string is hashed as UTF-8 either way). Older Node 20 releases (package.json allows them) take the Hash.
 */
const sha256Base64url: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'base64url')
    : (text) => crypto.createHash('sha256').update(text).digest('base64url');
