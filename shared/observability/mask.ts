/**
 * Card numbers (PANs) in free text. A PAN is 13–19 digits, written whole or in groups split by a
 * single space, dash or dot (`4111 1111 1111 1111`, `4111-1111-…`, `4111.1111.…`), and it is often
 * glued to a key or a word (`card_4111…`, `pan4111…`), so the characters around the digits do not
 * matter: only the digits decide.
 *
 * Each maximal run of digit groups is one regex match; a group ends exactly where a separator starts,
 * so the regex cannot backtrack into itself and the pass stays linear. Inside a run, every stretch of
 * whole groups holding 13–19 digits is a candidate, and a candidate is a card number only if it passes
 * the Luhn check: every issued card number does, while 9 in 10 other numbers of that length (order
 * numbers, phone numbers, timestamps) do not. Trying stretches rather than only the whole run finds a
 * card that shares its run with another number (`2026-04-25 4111…`, `4111 1111 1111 1111 4 attempts`).
 * When a neighbouring number happens to extend a card into a longer stretch that passes too, the whole
 * stretch is masked: which of the two is the card cannot be told, and neither shows more than four digits.
 *
 * No payment card number starts with 0, so a stretch starts at the first digit of a group that is not
 * 0: leading zeros are padding, kept as they are. Otherwise zeros before a card would always join it
 * (they leave the Luhn sum unchanged), and `2500.00 4111…` would lose its cents; a zero-padded
 * `0004111…` is still found.
 *
 * Deliberately left alone:
 * - A group of 20 or more digits with no separator in it (Kinesis sequence numbers, other long ids),
 *   even when 16 of its digits would pass the Luhn check. Nothing marks where a card inside it would
 *   start, and masking every 13–19-digit window that passes would mask about one window in ten, so
 *   nearly every long id would come out mangled.
 * - Hex ids as whole words: UUIDs (Lambda request ids), X-Ray trace ids, and words of 20 or more hex
 *   characters (alert ids, hashes). About 1 in 500 of them holds digits that pass the Luhn check, and
 *   a mangled id can no longer be looked up. The cost: a card glued to hex letters only, making a
 *   word of 20 or more characters (`abcd4111111111111111`), is not found.
 *
 * Accepted false positives: 1 in 10 of the other 13–19-digit stretches pass the Luhn check by chance
 * and are masked, for example epoch milliseconds inside a string (`1777118400003`). (Numbers logged as
 * JSON numbers are never masked: `maskingReplacer` only rewrites strings.) A masked timestamp costs the
 * reader a lookup; a leaked card number cannot be taken back.
 */
/**
 * Either a hex id as a whole word (captured: a UUID, an X-Ray trace id `1-<8 hex>-<24 hex>`, or 20 or
 * more hex characters), left as it is, or a run of digit groups joined by single separators, searched
 * for card numbers. The hex id is tried first at each position, so its digits never start a run.
 */
const HEX_ID_OR_DIGIT_GROUP_RUN =
  /(?<![0-9A-Za-z])([0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}|1-[0-9A-Fa-f]{8}-[0-9A-Fa-f]{24}|[0-9A-Fa-f]{20,})(?![0-9A-Za-z])|\d+(?:[ .-]\d+)*/g;
const MIN_PAN_DIGITS = 13;
const MAX_PAN_DIGITS = 19;
const VISIBLE_DIGITS = 4;
const ZERO = 48; // '0'
const NINE = 57; // '9'

/**
 * Keeps the last four digits of every card number, one `*` per masked digit:
 * `4111 1111 1111 1111` → `************1111`. The separators inside a card number are dropped, so a
 * card masks the same however it was grouped; everything around it, separators included, is kept.
 */
export function maskCardNumbers(text: string): string {
  return text.replace(HEX_ID_OR_DIGIT_GROUP_RUN, (match, hexId: string | undefined) =>
    hexId === undefined ? maskDigitGroupRun(match) : match,
  );
}

/** One regex match, e.g. `2026-04-25 4111 1111 1111 1111`: groups of digits joined by single separators. */
function maskDigitGroupRun(run: string): string {
  if (run.length < MIN_PAN_DIGITS) return run; // most numbers in a log line: too short to hold a card

  // The run's digits without its separators, and where each group ends (an index into `digits`).
  // Every character of the run that is not a digit is a single separator: separators[g] follows group g.
  const digits: number[] = [];
  const separators: string[] = [];
  const groupEnds: number[] = [];
  for (let i = 0; i < run.length; i++) {
    const code = run.charCodeAt(i);
    if (code >= ZERO && code <= NINE) digits.push(code - ZERO);
    else {
      separators.push(run.charAt(i));
      groupEnds.push(digits.length);
    }
  }
  groupEnds.push(digits.length);
  if (digits.length < MIN_PAN_DIGITS) return run;

  // Luhn doubles every second digit counting from the right end: in a stretch ending before index
  // `end`, the digits whose index has the parity of `end`. With a prefix sum for each parity, any
  // stretch is checked in constant time however many stretches share its digits.
  const sumDoublingEven = new Int32Array(digits.length + 1); // sums of digits before k, even indices doubled
  const sumDoublingOdd = new Int32Array(digits.length + 1); // the same, odd indices doubled
  digits.forEach((digit, k) => {
    const doubled = digit < 5 ? digit * 2 : digit * 2 - 9;
    sumDoublingEven[k + 1] = sumDoublingEven[k]! + (k % 2 === 0 ? doubled : digit);
    sumDoublingOdd[k + 1] = sumDoublingOdd[k]! + (k % 2 === 0 ? digit : doubled);
  });
  const passesLuhn = (start: number, end: number): boolean => {
    const sums = end % 2 === 0 ? sumDoublingEven : sumDoublingOdd;
    return (sums[end]! - sums[start]!) % 10 === 0;
  };

  // A digit is hidden when a card covers it and it is not among that card's last four; a separator
  // is dropped when it stands inside a card. Cards that share a group (overlapping Luhn-valid
  // stretches) thereby print as one block, and no stretch ever shows more than its last four digits.
  const hiddenDigits = new Uint8Array(digits.length);
  const droppedSeparators = new Uint8Array(separators.length);
  let found = false;
  for (let first = 0; first < groupEnds.length; first++) {
    const groupStart = first === 0 ? 0 : groupEnds[first - 1]!;
    if (groupEnds[first]! - groupStart > MAX_PAN_DIGITS) continue;
    let start = groupStart;
    while (start < groupEnds[first]! && digits[start] === 0) start++;
    if (start === groupEnds[first]) continue; // zeros only: the next group starts its own stretches
    for (let last = first; last < groupEnds.length && groupEnds[last]! - start <= MAX_PAN_DIGITS; last++) {
      const end = groupEnds[last]!;
      if (end - start >= MIN_PAN_DIGITS && passesLuhn(start, end)) {
        hiddenDigits.fill(1, start, end - VISIBLE_DIGITS);
        droppedSeparators.fill(1, first, last);
        found = true;
      }
    }
  }
  if (!found) return run;

  let masked = '';
  let group = 0;
  for (let k = 0; k < digits.length; k++) {
    masked += hiddenDigits[k] ? '*' : String(digits[k]);
    if (k + 1 === groupEnds[group] && group < separators.length) {
      if (!droppedSeparators[group]) masked += separators[group];
      group++;
    }
  }
  return masked;
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
