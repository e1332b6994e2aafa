const MS_PER_UNIT = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

export type DurationUnit = keyof typeof MS_PER_UNIT;

const UNITS_LARGEST_FIRST = ['d', 'h', 'm', 's', 'ms'] as const satisfies readonly DurationUnit[];

const DURATION_PATTERN = /^(\d+)(?:\.(\d+))?(ms|s|m|h|d)$/;

const ACCEPTED_FORM = 'use a positive number with a unit ms, s, m, h or d, e.g. 6m';

function isDurationUnit(text: string): text is DurationUnit {
  return Object.hasOwn(MS_PER_UNIT, text);
}

function invalidDuration(text: string, why: string = ACCEPTED_FORM): RangeError {
  return new RangeError(`invalid duration ${JSON.stringify(text)}: ${why}`);
}

/** Milliseconds in `text` such as `500ms`, `30s`, `6m`, `1.5h` or `2d`; a bare number is rejected
 * because its unit would be a guess. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  const whole = match?.[1];
  const fraction = match?.[2] ?? '';
  const unit = match?.[3];
  if (whole === undefined || unit === undefined || !isDurationUnit(unit)) throw invalidDuration(text);

  // Scale the digits as an integer so `0.7s` is exactly 700, not 700.0000000000001.
  const scaled = Number(whole + fraction) * MS_PER_UNIT[unit];
  const divisor = 10 ** fraction.length;
  if (!Number.isSafeInteger(scaled)) throw invalidDuration(text, 'too large');
  if (scaled % divisor !== 0) throw invalidDuration(text, 'must be a whole number of milliseconds');
  const ms = scaled / divisor;
  if (ms <= 0) throw invalidDuration(text);
  return ms;
}

/** The shortest exact form of a positive whole number of milliseconds: 360000 -> "6m", 90000 -> "90s". */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new RangeError(`cannot format duration ${String(ms)}: expected a positive whole number of milliseconds`);
  }
  const unit = UNITS_LARGEST_FIRST.find((candidate) => ms % MS_PER_UNIT[candidate] === 0) ?? 'ms';
  return `${ms / MS_PER_UNIT[unit]}${unit}`;
}
