/** Card numbers (PANs) are 12–19 digits, possibly grouped by spaces or dashes. */
const PAN = /\b(?:\d[ -]?){8,15}(\d{4})\b/g;

/** Keeps the last four digits: `4111 1111 1111 1111` → `************1111`. */
export function maskCardNumbers(text: string): string {
  return text.replace(PAN, (match, last4: string) => `${'*'.repeat(match.replace(/\D/g, '').length - 4)}${last4}`);
}

/** A card id field is masked whatever it looks like: only its last four characters survive. */
export function maskCardId(cardId: string): string {
  return cardId.length <= 4 ? '****' : `${'*'.repeat(cardId.length - 4)}${cardId.slice(-4)}`;
}

const CARD_KEYS = new Set(['cardId', 'cardNumber', 'pan']);

/** JSON replacer for structured logs: no card number leaves the process unmasked. */
export function maskingReplacer(key: string, value: unknown): unknown {
  if (CARD_KEYS.has(key) && (typeof value === 'string' || typeof value === 'number')) return maskCardId(String(value));
  return typeof value === 'string' ? maskCardNumbers(value) : value;
}
