import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreCommand } from '../../../cli/commands/score';
import type { CommandResult } from '../../support/command-io';
import { runCommand } from '../../support/command-io';

async function runScore(argv: string[], inputLines: readonly string[]): Promise<CommandResult> {
  return runCommand(scoreCommand, argv, [inputLines.join('\n')]);
}

const outputLines = (text: string): string[] => text.split('\n').filter((line) => line !== '');
const parsedLines = (text: string): Array<Record<string, unknown>> =>
  outputLines(text).map((line) => JSON.parse(line) as Record<string, unknown>);

const SEED_TRANSACTION = '{"transactionId":"txn-123","userId":"user-456","amount":2500,"country":"DE","timestamp":"2026-04-25T12:00:00Z"}';
const SEED_READING = '{"deviceId":"sensor-17","temperature":82.4,"timestamp":"2026-04-25T12:00:00Z"}';

function transactionLine(id: string, second: number, amount = 10): string {
  const timestamp = `2026-04-25T12:00:${String(second).padStart(2, '0')}Z`;
  return JSON.stringify({ transactionId: id, userId: 'user-1', amount, country: 'DE', timestamp });
}

describe('riskstream score: the seed examples', () => {
  it('holds the seed transaction for manual review', async () => {
    // Act
    const result = await runScore([], [SEED_TRANSACTION]);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [decision] = parsedLines(result.stdout);
    expect(decision).toMatchObject({ transactionId: 'txn-123', action: 'manual_review_required', riskScore: 0.6 });
    expect(decision?.['reasons']).toEqual([{ rule: 'largeAmount', weight: 0.6, detail: 'amount 2500 is at or above 1000' }]);
  });

  it('prints exactly the seed reading result', async () => {
    // Act
    const result = await runScore([], [SEED_READING]);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('{"deviceId":"sensor-17","temperature":82.4,"status":"warning","alert":"Temperature exceeded threshold"}\n');
  });

  it('answers already_processed, without repeating the side effect, for the same transaction again', async () => {
    // Act
    const result = await runScore([], [SEED_TRANSACTION, SEED_TRANSACTION]);

    // Assert
    expect(result.code).toBe(0);
    const lines = outputLines(result.stdout);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ transactionId: 'txn-123', action: 'manual_review_required' });
    expect(lines[1]).toBe('{"eventId":"txn-123","status":"already_processed","sideEffectRepeated":false}');
  });

  it('answers already_processed for the same reading again', async () => {
    // Act
    const result = await runScore([], [SEED_READING, SEED_READING]);

    // Assert
    expect(outputLines(result.stdout)[1]).toBe(
      '{"eventId":"sensor-17@2026-04-25T12:00:00.000Z","status":"already_processed","sideEffectRepeated":false}',
    );
  });

  it('prints an ok reading without an alert field', async () => {
    // Act
    const result = await runScore([], ['{"deviceId":"sensor-18","temperature":21.5,"timestamp":"2026-04-25T12:00:00Z"}']);

    // Assert
    expect(result.stdout).toBe('{"deviceId":"sensor-18","temperature":21.5,"status":"ok"}\n');
  });
});

describe('riskstream score: state between lines', () => {
  it('keeps window state across lines: the sixth transaction of a user in one window trips velocity', async () => {
    // Arrange
    const input = [1, 2, 3, 4, 5, 6].map((n) => transactionLine(`txn-${n}`, n * 5));

    // Act
    const result = await runScore([], input);

    // Assert
    expect(result.code).toBe(0);
    const decisions = parsedLines(result.stdout);
    expect(decisions).toHaveLength(6);
    expect(decisions.slice(0, 5).map((d) => d['reasons'])).toEqual([[], [], [], [], []]);
    expect(decisions[5]?.['reasons']).toEqual([{ rule: 'velocity', weight: 0.5, detail: '6 transactions (limit 5) in the last 5m' }]);
    expect(decisions[5]).toMatchObject({ transactionId: 'txn-6', action: 'manual_review_required' });
  });

  it('marks a transaction whose window has closed as late', async () => {
    // Arrange
    const input = [
      JSON.stringify({ transactionId: 'txn-new', userId: 'user-1', amount: 10, country: 'DE', timestamp: '2026-04-25T12:30:00Z' }),
      JSON.stringify({ transactionId: 'txn-old', userId: 'user-1', amount: 10, country: 'DE', timestamp: '2026-04-25T12:00:00Z' }),
    ];

    // Act
    const result = await runScore([], input);

    // Assert
    const decisions = parsedLines(result.stdout);
    expect(decisions[0]).not.toHaveProperty('late');
    expect(decisions[1]).toMatchObject({ transactionId: 'txn-old', late: true });
  });
});

describe('riskstream score: bad lines', () => {
  it('reports each bad line on stderr with its number and reason, still prints the good ones and exits 1', async () => {
    // Arrange
    const input = [
      SEED_READING,
      '{"transactionId": "txn-9",',
      '{"transactionId":"txn-10","amount":5,"country":"DE","timestamp":"2026-04-25T12:00:00Z"}',
      SEED_TRANSACTION,
    ];

    // Act
    const result = await runScore([], input);

    // Assert
    expect(result.code).toBe(1);
    const errors = outputLines(result.stderr);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^line 2: not JSON: \S/);
    expect(errors[1]).toBe('line 3: missing required field "userId"');
    const printed = parsedLines(result.stdout);
    expect(printed.map((p) => p['deviceId'] ?? p['transactionId'])).toEqual(['sensor-17', 'txn-123']);
  });

  it('counts blank lines in the line numbers but does not report them', async () => {
    // Act
    const result = await runScore([], [SEED_READING, '', '   ', '[1, 2]']);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('line 4: expected a JSON object, got array\n');
  });

  it('exits 0 when every line is good', async () => {
    // Act
    const result = await runScore([], [SEED_TRANSACTION, SEED_READING, '']);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(outputLines(result.stdout)).toHaveLength(2);
  });
});

describe('riskstream score: options', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'riskstream-score-test-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a --rules override: a higher large-amount limit approves the seed transaction', async () => {
    // Arrange
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ transactions: { largeAmount: { amount: 5000 } } }));

    // Act
    const result = await runScore(['--rules', rules], [SEED_TRANSACTION]);

    // Assert
    expect(result.code).toBe(0);
    expect(parsedLines(result.stdout)[0]).toMatchObject({ transactionId: 'txn-123', action: 'approve', riskScore: 0, reasons: [] });
  });

  it('applies a --rules override to readings too', async () => {
    // Arrange
    const rules = join(dir, 'reading-rules.json');
    writeFileSync(rules, JSON.stringify({ readings: { temperature: { warning: 85, critical: 95 } } }));

    // Act
    const result = await runScore(['--rules', rules], [SEED_READING]);

    // Assert
    expect(result.stdout).toBe('{"deviceId":"sensor-17","temperature":82.4,"status":"ok"}\n');
  });

  it('exits 2 naming the file when the rules are invalid', async () => {
    // Arrange
    const rules = join(dir, 'bad-rules.json');
    writeFileSync(rules, JSON.stringify({ transactions: { thresholds: { review: 2 } } }));

    // Act
    const result = await runScore(['--rules', rules], [SEED_TRANSACTION]);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^riskstream score: ${rules.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid rules config: transactions\\.thresholds\\.review`,
      ),
    );
  });

  it('exits 2 when the rules file does not exist', async () => {
    // Act
    const result = await runScore(['--rules', join(dir, 'missing.json')], [SEED_TRANSACTION]);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('missing.json');
  });

  it('exits 2 with the usage for an unknown flag', async () => {
    // Act
    const result = await runScore(['--bogus'], [SEED_TRANSACTION]);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^riskstream score: Unknown option '--bogus'/);
    expect(result.stderr).toContain('usage: riskstream score');
  });

  it('prints the usage on stdout and exits 0 for --help', async () => {
    // Act
    const result = await runScore(['--help'], []);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: riskstream score \[--rules rules\.json\]/);
    expect(result.stderr).toBe('');
  });
});

describe('riskstream score: orders joined with payments', () => {
  const order = (orderId: string, amount: number, second = 0) =>
    JSON.stringify({
      eventType: 'OrderCreated',
      orderId,
      userId: 'user-456',
      amount,
      timestamp: `2026-04-25T12:00:${String(second).padStart(2, '0')}Z`,
    });
  const payment = (orderId: string, paymentId: string, amount: number, second = 5) =>
    JSON.stringify({
      eventType: 'PaymentReceived',
      orderId,
      paymentId,
      amount,
      timestamp: `2026-04-25T12:00:${String(second).padStart(2, '0')}Z`,
    });

  it('prints the seed’s joined record when both sides are read, in input order among the other events, either side first', async () => {
    // Act
    const result = await runScore([], [payment('order-123', 'pay-999', 79.99), SEED_READING, order('order-123', 79.99)]);

    // Assert
    expect(result.code).toBe(0);
    expect(outputLines(result.stdout)).toEqual([
      '{"deviceId":"sensor-17","temperature":82.4,"status":"warning","alert":"Temperature exceeded threshold"}',
      '{"orderId":"order-123","userId":"user-456","orderAmount":79.99,"paymentId":"pay-999","paymentStatus":"paid"}',
    ]);
  });

  it('says where amounts differ, a repeat once, and at the end of the input the unpaid orders and orphan payments', async () => {
    // Act
    const result = await runScore(
      [],
      [
        order('o-1', 10),
        payment('o-1', 'p-1', 12),
        payment('o-1', 'p-1', 12),
        order('o-2', 5),
        payment('o-9', 'p-9', 7),
        payment('o-1', 'p-2', 10),
      ],
    );

    // Assert
    expect(parsedLines(result.stdout)).toEqual([
      { orderId: 'o-1', userId: 'user-456', orderAmount: 10, paymentId: 'p-1', paymentStatus: 'amount_mismatch', paymentAmount: 12 },
      { eventId: 'p-1', status: 'already_processed', sideEffectRepeated: false },
      { orderId: 'o-1', paymentId: 'p-2', status: 'extra_payment' },
      { orderId: 'o-2', userId: 'user-456', orderAmount: 5, paymentStatus: 'unpaid' },
      { orderId: 'o-9', paymentId: 'p-9', paymentAmount: 7, paymentStatus: 'orphan_payment' },
    ]);
  });

  it('reports a bad order line by its number and the fields it gets wrong, and goes on', async () => {
    // Act
    const result = await runScore(
      [],
      [
        JSON.stringify({ eventType: 'OrderCreated', orderId: ' ', amount: -1, timestamp: '2026-04-25T12:00:00Z' }),
        JSON.stringify({ eventType: 'Shipped', orderId: 'o-1' }),
        order('o-3', 1),
      ],
    );

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      'line 1: field "orderId" must not be empty; missing required field "userId"; field "amount" must not be negative',
      'line 2: field "eventType" must be "OrderCreated" or "PaymentReceived"',
      '',
    ]);
    expect(parsedLines(result.stdout)).toEqual([{ orderId: 'o-3', userId: 'user-456', orderAmount: 1, paymentStatus: 'unpaid' }]);
  });
});
