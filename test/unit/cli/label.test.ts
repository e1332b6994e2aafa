import { labelCommand, labelsJsonLines, labelsTable, parseLabelArgs } from '../../../cli/commands/label';
import type { Label } from '../../../shared/domain/labels';
import { parseLabelsFile } from '../../../shared/domain/labels';
import { runCommand } from '../../support/command-io';

const HOUR = 3_600_000;

const LABELS: readonly Label[] = [
  { id: 'txn-1', verdict: 'fraud', note: 'chargeback', labelledAt: '2026-12-03T10:00:00.000Z' },
  { id: 'sensor-3@2026-12-03T09:00:00.000Z', verdict: 'legit', labelledAt: '2026-12-03T10:05:00.000Z' },
];

describe('riskstream label: the command line', () => {
  it('reads a verdict on an id, with its note and stack', () => {
    // Act
    const plain = parseLabelArgs(['txn-1', 'fraud']);
    const noted = parseLabelArgs(['inc-7', 'legit', '--note', ' customer confirmed ', '--stack', 'Other']);
    const dashed = parseLabelArgs(['--', '-7f2', 'fraud']);

    // Assert
    expect(plain).toEqual({ command: 'label', id: 'txn-1', verdict: 'fraud', stack: 'Riskstream' });
    expect(noted).toEqual({ command: 'label', id: 'inc-7', verdict: 'legit', note: 'customer confirmed', stack: 'Other' });
    expect(dashed).toEqual({ command: 'label', id: '-7f2', verdict: 'fraud', stack: 'Riskstream' });
  });

  it('reads list with its duration and flags', () => {
    // Act
    const all = parseLabelArgs(['list']);
    const recent = parseLabelArgs(['list', '--since', '1h', '--json', '--stack', 'Other']);
    const week = parseLabelArgs(['list', '--since', '7d']);

    // Assert
    expect(all).toEqual({ command: 'list', json: false, stack: 'Riskstream' });
    expect(recent).toEqual({ command: 'list', sinceMs: HOUR, json: true, stack: 'Other' });
    expect(week).toEqual({ command: 'list', sinceMs: 7 * 24 * HOUR, json: false, stack: 'Riskstream' });
  });

  it.each([
    [[], /say which id to label and how/],
    [['txn-1'], /a verdict must follow the id/],
    [['txn-1', 'maybe'], /^verdict must be fraud or legit, got "maybe"$/],
    [['txn-1', 'fraud', 'extra'], /unexpected argument "extra"/],
    [['   ', 'fraud'], /^id must not be empty$/],
    [['x'.repeat(257), 'legit'], /^id must be at most 256 characters/],
    [['txn\t1', 'legit'], /^id must not hold control characters$/],
    [['txn-1', 'fraud', '--note', 'card 4111111111111111'], /^note looks like a card number/],
    [['txn-1', 'fraud', '--since', '1h'], /--since goes with `label list`/],
    [['txn-1', 'fraud', '--json'], /--json goes with `label list`/],
    [['list', '--note', 'why'], /--note goes with `label <id> fraud\|legit`/],
    [['list', 'fraud'], /unexpected argument "fraud": `label list` takes none/],
    [['list', '--since', '1'], /--since: invalid duration "1"/],
    [['list', '--since', '1w'], /--since: invalid duration "1w"/],
  ])('refuses %j', (argv, message) => {
    // Act and assert
    expect(() => parseLabelArgs(argv)).toThrow(message);
  });

  it('refuses an unknown flag', () => {
    // Act and assert
    expect(() => parseLabelArgs(['txn-1', 'fraud', '--verdict', 'fraud'])).toThrow(/--verdict/);
  });

  it('exits 2 with the usage on a bad command line, and 0 with it on --help', async () => {
    // Act
    const bad = await runCommand(labelCommand, ['txn-1', 'maybe'], []);
    const help = await runCommand(labelCommand, ['--help'], []);

    // Assert
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^riskstream label: verdict must be fraud or legit, got "maybe"\nusage: riskstream label <transactionId/);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('riskstream label list [--since 1h] [--json] [--stack Riskstream]');
  });

  it('never repeats a refused note', async () => {
    // Act
    const refused = await runCommand(labelCommand, ['txn-1', 'fraud', '--note', 'card 4111 1111 1111 1111'], []);

    // Assert
    expect(refused.code).toBe(2);
    expect(refused.stderr).not.toContain('4111');
  });

  it.each([[['txn-1', 'fraud', '--stack', 'NeverDeployedHere']], [['list', '--stack', 'NeverDeployedHere']]])(
    'exits 1 naming the stack when it is not deployed from here (%j)',
    async (argv) => {
      // Act
      const result = await runCommand(labelCommand, argv, []);

      // Assert
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('riskstream label: the stack NeverDeployedHere is not deployed from here: run `riskstream up` first.\n');
    },
  );
});

describe('riskstream label list: the output', () => {
  it('prints an aligned table of id, verdict, time and note', () => {
    // Act
    const table = labelsTable(LABELS);

    // Assert
    expect(table).toBe(
      'ID                                 VERDICT  LABELLED AT               NOTE\n' +
        'txn-1                              fraud    2026-12-03T10:00:00.000Z  chargeback\n' +
        'sensor-3@2026-12-03T09:00:00.000Z  legit    2026-12-03T10:05:00.000Z\n',
    );
    expect(labelsTable([])).toBe('no labels\n');
  });

  it('prints a JSON object a line, which a labels file reads back', () => {
    // Act
    const lines = labelsJsonLines(LABELS);
    const readBack = parseLabelsFile(lines);

    // Assert
    expect(lines.split('\n')[0]).toBe('{"id":"txn-1","verdict":"fraud","note":"chargeback","labelledAt":"2026-12-03T10:00:00.000Z"}');
    expect(readBack.errors).toEqual([]);
    expect(Object.fromEntries(readBack.labels)).toEqual({ 'txn-1': 'fraud', 'sensor-3@2026-12-03T09:00:00.000Z': 'legit' });
  });
});
