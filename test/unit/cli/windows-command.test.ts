import { windowsCommand } from '../../../cli/commands/windows';
import { Readable } from 'node:stream';
import { readAll } from '../../../cli/io';
import type { CommandResult } from '../../support/command-io';
import { runCommand } from '../../support/command-io';

async function runWindows(argv: string[], stdinChunks: string[]): Promise<CommandResult> {
  return runCommand(windowsCommand, argv, stdinChunks);
}

const jsonArray = (events: readonly unknown[]): string[] => [JSON.stringify(events, null, 2)];
const jsonLines = (lines: readonly string[]): string[] => [lines.join('\n')];

describe('riskstream windows: the seed examples', () => {
  it('tumbling --size 6m prints 0-6 = 30 and 6-12 = 5', async () => {
    // Arrange
    const input = jsonArray([
      { timestampMinute: 1, value: 10 },
      { timestampMinute: 4, value: 20 },
      { timestampMinute: 7, value: 5 },
    ]);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], input);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '0-6', sum: 30, count: 2, min: 10, max: 20, avg: 15 },
      { window: '6-12', sum: 5, count: 1, min: 5, max: 5, avg: 5 },
    ]);
  });

  it('hopping --size 6m --hop 10m prints 0-6 = 30 and 10-16 = 5', async () => {
    // Arrange
    const input = jsonArray([
      { timestampMinute: 1, value: 10 },
      { timestampMinute: 3, value: 20 },
      { timestampMinute: 11, value: 5 },
    ]);

    // Act
    const result = await runWindows(['--kind', 'hopping', '--size', '6m', '--hop', '10m'], input);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '0-6', sum: 30, count: 2, min: 10, max: 20, avg: 15 },
      { window: '10-16', sum: 5, count: 1, min: 5, max: 5, avg: 5 },
    ]);
  });

  it('sliding --size 6m --slide 2m prints the seed windows and every other non-empty one', async () => {
    // Arrange
    const input = jsonArray([
      { timestampMinute: 2, value: 10 },
      { timestampMinute: 4, value: 20 },
      { timestampMinute: 6, value: 30 },
    ]);

    // Act
    const result = await runWindows(['--kind', 'sliding', '--size', '6m', '--slide', '2m'], input);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '-2-4', sum: 10, count: 1, min: 10, max: 10, avg: 10 },
      { window: '0-6', sum: 30, count: 2, min: 10, max: 20, avg: 15 },
      { window: '2-8', sum: 60, count: 3, min: 10, max: 30, avg: 20 },
      { window: '4-10', sum: 50, count: 2, min: 20, max: 30, avg: 25 },
      { window: '6-12', sum: 30, count: 1, min: 30, max: 30, avg: 30 },
    ]);
  });
});

describe('riskstream windows: output and input forms', () => {
  it('prints 2-space indented JSON with keys window, sum, count, min, max, avg and a trailing newline', async () => {
    // Arrange
    const input = jsonArray([{ timestampMinute: 1, value: 10 }]);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], input);

    // Assert
    expect(result.stdout).toBe(
      '[\n  {\n    "window": "0-6",\n    "sum": 10,\n    "count": 1,\n    "min": 10,\n    "max": 10,\n    "avg": 10\n  }\n]\n',
    );
  });

  it('labels windows of ISO timestamps with ISO intervals', async () => {
    // Arrange
    const input = jsonArray([
      { timestamp: '2026-04-25T12:01:00Z', value: 10 },
      { timestamp: '2026-04-25T12:04:00.000Z', value: 20 },
      { timestamp: '2026-04-25T14:07:00+02:00', value: 5 },
    ]);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], input);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '2026-04-25T12:00:00.000Z/2026-04-25T12:06:00.000Z', sum: 30, count: 2, min: 10, max: 20, avg: 15 },
      { window: '2026-04-25T12:06:00.000Z/2026-04-25T12:12:00.000Z', sum: 5, count: 1, min: 5, max: 5, avg: 5 },
    ]);
  });

  it('accepts durations that are not whole minutes for ISO input', async () => {
    // Arrange
    const input = jsonArray([
      { timestamp: '2026-04-25T12:00:10Z', value: 1 },
      { timestamp: '2026-04-25T12:00:40Z', value: 2 },
    ]);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '30s'], input);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '2026-04-25T12:00:00.000Z/2026-04-25T12:00:30.000Z', sum: 1, count: 1, min: 1, max: 1, avg: 1 },
      { window: '2026-04-25T12:00:30.000Z/2026-04-25T12:01:00.000Z', sum: 2, count: 1, min: 2, max: 2, avg: 2 },
    ]);
  });

  it('reads JSON lines, skipping blank lines, across chunks that split a line', async () => {
    // Arrange
    const input = [
      '{"timestampMinute": 1, "value": 10}\n\n{"timestampMi',
      'nute": 4, "value": 20}\r\n{"timestampMinute": 7, "value": 5}\n',
    ];

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], input);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '0-6', sum: 30, count: 2, min: 10, max: 20, avg: 15 },
      { window: '6-12', sum: 5, count: 1, min: 5, max: 5, avg: 5 },
    ]);
  });

  it('aggregates the field named by --field', async () => {
    // Arrange
    const input = jsonLines(['{"timestampMinute": 1, "amount": 7, "value": 1000}', '{"timestampMinute": 2, "amount": 3}']);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m', '--field', 'amount'], input);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ window: '0-6', sum: 10, count: 2, min: 3, max: 7, avg: 5 }]);
  });

  it('converts hour-sized windows to minutes for minute input', async () => {
    // Arrange
    const input = jsonLines(['{"timestampMinute": 59, "value": 1}', '{"timestampMinute": 60, "value": 2}']);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '1h'], input);

    // Assert
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '0-60', sum: 1, count: 1, min: 1, max: 1, avg: 1 },
      { window: '60-120', sum: 2, count: 1, min: 2, max: 2, avg: 2 },
    ]);
  });

  it('prints an empty array for empty input', async () => {
    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], ['']);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('[]\n');
  });
});

describe('riskstream windows: bad events', () => {
  it('reports every bad JSON line on stderr, still prints the good ones and exits 1', async () => {
    // Arrange
    const input = jsonLines([
      '{"timestampMinute": 1, "value": 10}',
      '{"timestampMinute": 2, "value": ',
      '{"value": 3}',
      '{"timestampMinute": 4, "value": "abc"}',
      '{"timestampMinute": 5}',
      '[1, 2]',
      '{"timestampMinute": 7, "value": 5}',
    ]);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], input);

    // Assert
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual([
      { window: '0-6', sum: 10, count: 1, min: 10, max: 10, avg: 10 },
      { window: '6-12', sum: 5, count: 1, min: 5, max: 5, avg: 5 },
    ]);
    const errors = result.stderr.trimEnd().split('\n');
    expect(errors).toHaveLength(5);
    expect(errors[0]).toMatch(/^riskstream windows: line 2: invalid JSON: /);
    expect(errors[1]).toBe('riskstream windows: line 3: missing time field "timestampMinute" (number) or "timestamp" (ISO string)');
    expect(errors[2]).toBe('riskstream windows: line 4: field "value" is not a number (got "abc")');
    expect(errors[3]).toBe('riskstream windows: line 5: missing numeric field "value"');
    expect(errors[4]).toBe('riskstream windows: line 6: not a JSON object (got [1,2])');
  });

  it('names the index of a bad event in a JSON array and gives every reason it has', async () => {
    // Arrange
    const input = jsonArray([
      { timestampMinute: 1, value: 10 },
      { timestamp: 'yesterday', value: null },
    ]);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], input);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'riskstream windows: index 1: "timestamp" is not an ISO 8601 date-time with a zone such as 2026-04-25T12:00:00Z ' +
        '(got "yesterday"); field "value" is not a number (got null)\n',
    );
    expect(JSON.parse(result.stdout)).toEqual([{ window: '0-6', sum: 10, count: 1, min: 10, max: 10, avg: 10 }]);
  });

  it('fails with exit 1 and no output on a JSON array that does not parse', async () => {
    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], ['[{"timestampMinute": 1, "value": 10},']);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^riskstream windows: invalid JSON: /);
  });

  it('fails with exit 1 and no output when minute and ISO events are mixed', async () => {
    // Arrange
    const input = jsonLines(['{"timestampMinute": 1, "value": 10}', '{"timestamp": "2026-04-25T12:00:00Z", "value": 1}']);

    // Act
    const result = await runWindows(['--kind', 'tumbling', '--size', '6m'], input);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'riskstream windows: input mixes "timestampMinute" (line 1) and "timestamp" (line 2) events; use one time field throughout\n',
    );
  });
});

describe('riskstream windows: usage errors', () => {
  const minuteInput = jsonArray([{ timestampMinute: 1, value: 10 }]);

  it.each<[string, string[], RegExp]>([
    ['an unknown flag', ['--kind', 'tumbling', '--size', '6m', '--bogus'], /Unknown option '--bogus'/],
    ['a positional argument', ['tumbling', '--size', '6m'], /Unexpected argument 'tumbling'/],
    ['a missing --kind', ['--size', '6m'], /^riskstream windows: missing --kind/],
    ['an unknown --kind', ['--kind', 'session', '--size', '6m'], /--kind must be one of tumbling, hopping, sliding, got "session"/],
    ['a missing --size', ['--kind', 'tumbling'], /^riskstream windows: missing --size\n/],
    ['a bad --size', ['--kind', 'tumbling', '--size', '6x'], /--size: invalid duration "6x": use a positive number with a unit/],
    ['a bare-number --size', ['--kind', 'tumbling', '--size', '6'], /--size: invalid duration "6"/],
    ['--hop for tumbling', ['--kind', 'tumbling', '--size', '6m', '--hop', '10m'], /--hop does not apply to tumbling windows/],
    ['--slide for hopping', ['--kind', 'hopping', '--size', '6m', '--hop', '10m', '--slide', '2m'], /--slide does not apply to hopping/],
    ['a missing --hop for hopping', ['--kind', 'hopping', '--size', '6m'], /^riskstream windows: missing --hop\n/],
    ['a missing --slide for sliding', ['--kind', 'sliding', '--size', '6m'], /^riskstream windows: missing --slide\n/],
    ['a slide longer than the size', ['--kind', 'sliding', '--size', '6m', '--slide', '8m'], /--slide 8m must not exceed --size 6m/],
    ['a size of part minutes for minute input', ['--kind', 'tumbling', '--size', '90s'], /--size 90s is not a whole number of minutes/],
    ['a hop of part minutes for minute input', ['--kind', 'hopping', '--size', '6m', '--hop', '30s'], /--hop 30s is not a whole number/],
  ])('exits 2 with nothing on stdout for %s', async (_case, argv, message) => {
    // Act
    const result = await runWindows(argv, minuteInput);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^riskstream windows: /);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: riskstream windows --kind');
  });

  it('prints the usage on stdout and exits 0 for --help', async () => {
    // Act
    const result = await runWindows(['--help'], []);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: riskstream windows --kind tumbling\|hopping\|sliding --size 6m/);
    expect(result.stderr).toBe('');
  });
});

describe('readAll', () => {
  it('decodes a UTF-8 character split across byte chunks', async () => {
    // Arrange
    const bytes = Buffer.from('Zürich', 'utf8');
    const stream = Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]);

    // Act
    const text = await readAll(stream);

    // Assert
    expect(text).toBe('Zürich');
  });
});
