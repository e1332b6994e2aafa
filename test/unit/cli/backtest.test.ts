import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand, parseBacktestArgs } from '../../../cli/commands/backtest';
import { runCommand } from '../../support/command-io';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const txn = (id: string, amount: number) =>
  JSON.stringify({ transactionId: id, userId: `u-${id}`, amount, country: 'DE', timestamp: '2026-04-25T12:00:00Z' });

describe('riskstream backtest: its command line', () => {
  it('takes a file, or a range of the streams by ISO time or a duration ago', () => {
    expect(parseBacktestArgs(['--rules', 'c.json', '--file', 'e.jsonl'], NOW)).toMatchObject({ source: { file: 'e.jsonl' }, json: false });
    expect(parseBacktestArgs(['--rules', 'c.json', '--since', '2h'], NOW)).toMatchObject({ source: { since: new Date(NOW - 7_200_000) } });
    expect(parseBacktestArgs(['--rules', 'c.json', '--since', '2026-12-01T00:00:00Z', '--until', '1d'], NOW)).toMatchObject({
      source: { since: new Date('2026-12-01T00:00:00Z'), until: new Date(NOW - 86_400_000) },
    });
  });

  it.each([
    [['--file', 'e.jsonl'], /--rules candidate.json/],
    [['--rules', 'c.json'], /either --file or --since/],
    [['--rules', 'c.json', '--file', 'e.jsonl', '--since', '1h'], /either --file or --since/],
    [['--rules', 'c.json', '--file', 'e.jsonl', '--until', '1h'], /--until goes with --since/],
    [['--rules', 'c.json', '--since', '1h', '--until', '2h'], /--until is before --since/],
    [['--rules', 'c.json', '--since', 'yesterday'], /--since takes an ISO time or a duration/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBacktestArgs(argv, NOW)).toThrow(message);
  });
});

describe('riskstream backtest --file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-backtest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('prints the flips against the default rules when no stack is deployed, and says so', async () => {
    // Arrange
    const events = file('events.jsonl', [txn('t-1', 500), txn('t-2', 20), 'not json', txn('t-3', 5_000)].join('\n'));
    const rules = file('candidate.json', JSON.stringify({ transactions: { largeAmount: { amount: 400 } } }));
    const labels = file('labels.jsonl', `${JSON.stringify({ id: 't-1', verdict: 'fraud' })}\n`);

    // Act
    const result = await runCommand(
      backtestCommand,
      ['--rules', rules, '--file', events, '--labels', labels, '--stack', 'RiskstreamNeverDeployed'],
      [],
    );

    // Assert
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/no stack RiskstreamNeverDeployed deployed from here: the live side is the default rules/);
    expect(result.stderr).toMatch(/refused: line 3: not JSON/);
    expect(result.stdout).toMatch(/^3 events judged by both/);
    expect(result.stdout).toMatch(/approve → manual_review_required: 1\n {4}t-1 /);
    expect(result.stdout).toMatch(/against 1 labelled event \(1 fraud\)/);
  });

  it('prints the report as one JSON object with --json', async () => {
    const events = file('one.jsonl', txn('t-1', 500));
    const rules = file('same.json', '{}');

    const result = await runCommand(
      backtestCommand,
      ['--rules', rules, '--file', events, '--json', '--stack', 'RiskstreamNeverDeployed'],
      [],
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      events: 1,
      flips: {},
      outcomes: { live: { approve: 1 }, candidate: { approve: 1 } },
    });
  });

  it('refuses candidate rules that do not validate, naming the field', async () => {
    const events = file('e2.jsonl', txn('t-1', 500));
    const rules = file('bad.json', JSON.stringify({ transactions: { largeAmount: { amount: -1 } } }));

    const result = await runCommand(backtestCommand, ['--rules', rules, '--file', events, '--stack', 'RiskstreamNeverDeployed'], []);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.json: .*transactions\.largeAmount\.amount/);
  });
});
