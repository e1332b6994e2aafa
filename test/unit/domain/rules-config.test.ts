import { DEFAULT_RULES, parseRulesConfig, RulesConfigError } from '../../../shared/domain/rules-config';

const MINUTE = 60_000;
const DAY = 86_400_000;

function configErrorOf(input: unknown): RulesConfigError {
  try {
    parseRulesConfig(input);
  } catch (error) {
    if (error instanceof RulesConfigError) return error;
    throw error;
  }
  throw new Error(`expected parseRulesConfig to reject ${JSON.stringify(input)}`);
}

describe('parseRulesConfig: defaults', () => {
  it('fills in every transaction default from an empty config', () => {
    // Arrange
    const input = {};

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect(config.transactions).toEqual({
      window: 5 * MINUTE,
      pane: 30_000,
      allowedLateness: 10 * MINUTE,
      thresholds: { review: 0.5, block: 0.85 },
      largeAmount: { enabled: true, weight: 0.6, amount: 1000 },
      velocity: { enabled: true, weight: 0.5, maxCount: 5, maxSum: 5000 },
      cardTesting: { enabled: true, weight: 0.7, smallAmount: 5, minCount: 4 },
      impossibleTravel: { enabled: true, weight: 0.6, within: 60 * MINUTE },
      riskyMerchant: { enabled: true, weight: 0.5, categories: ['gambling', 'crypto', 'money_transfer', 'gift_cards'] },
      incidents: { enabled: true, quietPeriod: 5 * MINUTE, remindEvery: 30 * MINUTE },
    });
  });

  it('fills in every reading and retention default from an empty config', () => {
    // Arrange
    const input = {};

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect(config.readings).toEqual({
      window: 5 * MINUTE,
      pane: 30_000,
      allowedLateness: 10 * MINUTE,
      temperature: { warning: 80, critical: 90 },
      humidity: { warning: 85, critical: 95 },
      pressure: { warning: 1050, critical: 1080 },
      jump: { enabled: true, temperature: 15, within: 10 * MINUTE },
      windowAverage: { enabled: true, temperature: 75, minCount: 3 },
      incidents: { enabled: true, quietPeriod: 10 * MINUTE, remindEvery: 30 * MINUTE },
    });
    expect(config.retention).toEqual({ decisions: 30 * DAY, alerts: 30 * DAY });
  });

  it('treats a missing input like an empty config, and DEFAULT_RULES is that config', () => {
    // Arrange
    const expected = parseRulesConfig({});

    // Act
    const config = parseRulesConfig();

    // Assert
    expect(config).toEqual(expected);
    expect(DEFAULT_RULES).toEqual(expected);
  });
});

describe('parseRulesConfig: partial overrides', () => {
  it('overrides one field of a rule and keeps the rest of that rule and of the config', () => {
    // Arrange
    const input = { transactions: { velocity: { maxCount: 3 } } };

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect(config.transactions.velocity).toEqual({ enabled: true, weight: 0.5, maxCount: 3, maxSum: 5000 });
    expect(config.transactions.largeAmount).toEqual(DEFAULT_RULES.transactions.largeAmount);
    expect(config.readings).toEqual(DEFAULT_RULES.readings);
  });

  it('overrides one threshold and keeps the other', () => {
    // Arrange
    const input = { transactions: { thresholds: { review: 0.4 } } };

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect(config.transactions.thresholds).toEqual({ review: 0.4, block: 0.85 });
  });

  it('disables a rule without touching its other settings', () => {
    // Arrange
    const input = { readings: { jump: { enabled: false } } };

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect(config.readings.jump).toEqual({ enabled: false, temperature: 15, within: 10 * MINUTE });
  });

  it('replaces a whole level when both bounds are given', () => {
    // Arrange
    const input = { readings: { temperature: { warning: 60, critical: 70 } } };

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect(config.readings.temperature).toEqual({ warning: 60, critical: 70 });
    expect(config.readings.humidity).toEqual(DEFAULT_RULES.readings.humidity);
  });

  it('overrides only the warning level of temperature and keeps the default critical level', () => {
    // Arrange
    const input = { readings: { temperature: { warning: 70 } } };

    // Act
    const parse = (): unknown => parseRulesConfig(input);

    // Assert
    expect(parse).not.toThrow();
    expect(parseRulesConfig(input).readings.temperature).toEqual({ warning: 70, critical: 90 });
  });

  it('does not change DEFAULT_RULES when an override is parsed', () => {
    // Arrange
    const before = JSON.stringify(DEFAULT_RULES);

    // Act
    parseRulesConfig({ transactions: { riskyMerchant: { categories: ['adult'] } }, readings: { window: '1m' } });

    // Assert
    expect(JSON.stringify(DEFAULT_RULES)).toBe(before);
  });
});

describe('parseRulesConfig: durations', () => {
  it.each([
    ['"5m"', '5m', 5 * MINUTE],
    ['"90s"', '90s', 90_000],
    ['"1.5h"', '1.5h', 90 * MINUTE],
    ['milliseconds', 120_000, 120_000],
  ])('reads a window given as %s', (_case, window, expected) => {
    // Arrange
    const input = { transactions: { window } };

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect(config.transactions.window).toBe(expected);
  });

  it('reads durations in every duration field', () => {
    // Arrange
    const input = {
      transactions: { allowedLateness: '2m', impossibleTravel: { within: '2h' } },
      readings: { window: '1m', allowedLateness: 30_000, jump: { within: '3m' } },
      retention: { decisions: '7d', alerts: '1d' },
    };

    // Act
    const config = parseRulesConfig(input);

    // Assert
    expect([
      config.transactions.allowedLateness,
      config.transactions.impossibleTravel.within,
      config.readings.window,
      config.readings.allowedLateness,
      config.readings.jump.within,
      config.retention.decisions,
      config.retention.alerts,
    ]).toEqual([2 * MINUTE, 2 * 60 * MINUTE, MINUTE, 30_000, 3 * MINUTE, 7 * DAY, DAY]);
  });
});

describe('parseRulesConfig: invalid fields throw RulesConfigError naming them', () => {
  it('a weight above 1', () => {
    // Arrange
    const input = { transactions: { largeAmount: { weight: 1.5 } } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RulesConfigError');
    expect(error.fields).toEqual(['transactions.largeAmount.weight']);
    expect(error.message).toContain('transactions.largeAmount.weight');
  });

  it('a negative weight', () => {
    // Arrange
    const input = { transactions: { riskyMerchant: { weight: -0.1 } } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toEqual(['transactions.riskyMerchant.weight']);
  });

  it('a block threshold below the review threshold', () => {
    // Arrange
    const input = { transactions: { thresholds: { review: 0.9, block: 0.5 } } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toEqual(['transactions.thresholds']);
    expect(error.message).toContain('transactions.thresholds');
    expect(error.message).toContain('block must be >= review');
  });

  it('a critical level below the warning level', () => {
    // Arrange
    const input = { readings: { humidity: { warning: 90, critical: 80 } } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toEqual(['readings.humidity']);
    expect(error.message).toContain('critical must be >= warning');
  });

  it('a pane longer than its window, and a window that is not a whole number of panes', () => {
    // Arrange
    const input = { transactions: { pane: '10m' }, readings: { window: '5m', pane: '7s' } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toEqual(['transactions.window', 'readings.window']);
    expect(error.message).toContain(
      'transactions.window: window (300000 ms) must be at least one pane (600000 ms; set "pane" to change it)',
    );
    expect(error.message).toContain(
      'readings.window: window (300000 ms) must be a whole number of panes (7000 ms; set "pane" to one that divides it)',
    );
  });

  it('an unknown key inside a section: the message names the key', () => {
    // Arrange
    const input = { transactions: { windw: '5m' } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.message).toContain('transactions');
    expect(error.message).toContain('"windw"');
  });

  it('an unknown top-level key: the message names the key', () => {
    // Arrange
    const input = { transaction: {} };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.message).toContain('"transaction"');
  });

  it('an unknown key is named in `fields` by its full path', () => {
    // Arrange
    const input = { transactions: { windw: '5m' } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toContain('transactions.windw');
  });

  it('a misspelled key inside a rule is rejected, not silently ignored', () => {
    // Arrange
    const input = { transactions: { velocity: { maxCnt: 3 } } };

    // Act
    const parse = (): unknown => parseRulesConfig(input);

    // Assert
    expect(parse).toThrow(RulesConfigError);
  });

  it.each([
    ['a duration without a unit', '300'],
    ['a duration in words', '5 minutes'],
    ['a zero duration', '0s'],
  ])('%s', (_case, window) => {
    // Arrange
    const input = { transactions: { window } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toEqual(['transactions.window']);
    expect(error.message).toContain('transactions.window');
    expect(error.message).toContain('invalid duration');
  });

  it.each([
    ['negative', -5],
    ['fractional', 1.5],
  ])('a %s millisecond duration', (_case, within) => {
    // Arrange
    const input = { readings: { jump: { within } } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toEqual(['readings.jump.within']);
  });

  it('a card-testing minCount below 2 and a non-integer velocity maxCount', () => {
    // Arrange
    const input = { transactions: { cardTesting: { minCount: 1 }, velocity: { maxCount: 2.5 } } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect([...error.fields].sort()).toEqual(['transactions.cardTesting.minCount', 'transactions.velocity.maxCount']);
  });

  it('names every bad field when there are several', () => {
    // Arrange
    const input = {
      transactions: { largeAmount: { weight: 2 }, window: 'soon' },
      readings: { windowAverage: { minCount: 0 } },
    };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect([...error.fields].sort()).toEqual(['readings.windowAverage.minCount', 'transactions.largeAmount.weight', 'transactions.window']);
    for (const field of error.fields) expect(error.message).toContain(field);
  });

  it('a wrong-typed section', () => {
    // Arrange
    const input = { readings: 'strict' };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.fields).toEqual(['readings']);
  });
});

describe('parseRulesConfig: messages without one of our own read as classic zod words them', () => {
  it('states the bound, the expected type and the unknown key in English', () => {
    // Arrange
    const input = { transactions: { largeAmount: { weight: 1.5 }, velocity: { maxCount: 'five' }, windw: 1 } };

    // Act
    const error = configErrorOf(input);

    // Assert
    expect(error.message).toBe(
      'invalid rules config: transactions.largeAmount.weight: Too big: expected number to be <=1; ' +
        'transactions.velocity.maxCount: Invalid input: expected number, received string; transactions.windw: unknown key "windw"',
    );
  });
});
