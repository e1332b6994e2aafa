import {
  InvalidLabelError,
  MAX_LABEL_ID_LENGTH,
  parseLabel,
  parseLabelId,
  parseLabelNote,
  parseLabelsFile,
  parseVerdict,
} from '../../../shared/domain/labels';

describe('a label’s fields', () => {
  it.each(['fraud', 'legit'])('takes the verdict %s', (verdict) => {
    // Act
    const parsed = parseVerdict(verdict);

    // Assert
    expect(parsed).toBe(verdict);
  });

  it.each([
    ['Fraud', 'verdict must be fraud or legit, got "Fraud"'],
    ['', 'verdict must be fraud or legit, got ""'],
    [1, 'verdict must be fraud or legit, got 1'],
    [undefined, 'verdict must be fraud or legit, got nothing'],
  ])('refuses the verdict %j, naming the field', (verdict, message) => {
    // Act
    const parse = () => parseVerdict(verdict);

    // Assert
    expect(parse).toThrow(InvalidLabelError);
    expect(parse).toThrow(message);
  });

  it('takes an id trimmed, as the pipeline trims the ids it judges, up to 256 characters', () => {
    // Arrange
    const longest = 'r'.repeat(MAX_LABEL_ID_LENGTH);

    // Act and assert
    expect(parseLabelId(' txn-1 ')).toBe('txn-1');
    expect(parseLabelId('sensor-3@2026-04-25T12:00:00.000Z')).toBe('sensor-3@2026-04-25T12:00:00.000Z');
    expect(parseLabelId(longest)).toBe(longest);
  });

  it.each([
    ['', 'id must not be empty'],
    ['   ', 'id must not be empty'],
    ['r'.repeat(MAX_LABEL_ID_LENGTH + 1), 'id must be at most 256 characters, got 257'],
    ['txn\n1', 'id must not hold control characters'],
    ['txn\u00851', 'id must not hold control characters'],
    [42, 'id must be a string, got number'],
  ])('refuses the id %j, naming the field', (id, message) => {
    // Act
    let error: unknown;
    try {
      parseLabelId(id);
    } catch (thrown) {
      error = thrown;
    }

    // Assert
    expect(error).toBeInstanceOf(InvalidLabelError);
    expect((error as InvalidLabelError).field).toBe('id');
    expect((error as Error).message).toBe(message);
  });

  it('takes a note trimmed, digits in it included as long as they cannot be a card number', () => {
    // Act
    const note = parseLabelNote('  called the customer, ref 123456789012 (12 digits)  ');

    // Assert
    expect(note).toBe('called the customer, ref 123456789012 (12 digits)');
  });

  it.each([
    'card 4111111111111111 reported stolen',
    'card 4111 1111 1111 1111',
    'card 4111-1111-1111-1',
    '1234567890123',
    'x'.repeat(3) + '9'.repeat(25),
    'card 4111.1111.1111.1111',
    'card 4111/1111/1111/1111',
    'card 4111  1111  1111  1111',
    'card 4111_1111_1111_1111',
    'card ４１１１１１１１１１１１１１１１',
  ])('refuses the note %j as a card number, without repeating it', (text) => {
    // Act
    const parse = () => parseLabelNote(text);

    // Assert
    expect(parse).toThrow('note looks like a card number (13 or more digits in a run): card numbers must never be stored');
  });

  it.each([
    ['', 'note must not be empty (leave it out instead)'],
    ['line one\nline two', 'note must not hold control characters (it is shown on one line)'],
    ['n'.repeat(1_001), 'note must be at most 1000 characters'],
  ])('refuses the note %j', (text, message) => {
    // Act
    const parse = () => parseLabelNote(text);

    // Assert
    expect(parse).toThrow(message);
  });

  it('checks a whole label, its time too', () => {
    // Act
    const label = parseLabel({ id: ' txn-1', verdict: 'fraud', note: ' chargeback ', labelledAt: '2026-12-03T10:00:00.000Z' });
    const untimed = () => parseLabel({ id: 'txn-1', verdict: 'fraud', labelledAt: 'yesterday' });

    // Assert
    expect(label).toEqual({ id: 'txn-1', verdict: 'fraud', note: 'chargeback', labelledAt: '2026-12-03T10:00:00.000Z' });
    expect(untimed).toThrow('labelledAt must be an ISO 8601 time, got "yesterday"');
  });
});

describe('parseLabelsFile', () => {
  it('reads analysts’ verdicts, as `label list --json` prints them', () => {
    // Arrange
    const text = [
      '{"id":"txn-1","verdict":"fraud","labelledAt":"2026-12-03T10:00:00.000Z","note":"chargeback"}',
      '{"id":"inc-7","verdict":"legit"}',
    ].join('\n');

    // Act
    const { labels, errors } = parseLabelsFile(text);

    // Assert
    expect(errors).toEqual([]);
    expect([...labels]).toEqual([
      ['txn-1', 'fraud'],
      ['inc-7', 'legit'],
    ]);
  });

  it('reads the generator’s labels: "normal" is legit, any anomaly of either kind fraud', () => {
    // Arrange: the lines `produce --labels` writes, with its trailing newline.
    const text =
      [
        '{"id":"txn-42-0","kind":"transaction","label":"normal"}',
        '{"id":"txn-42-1","kind":"transaction","label":"velocity","scenario":0}',
        '{"id":"sensor-3@2026-04-25T12:00:01.000Z","kind":"reading","label":"overheating","scenario":1}',
        '{"id":"sensor-4@2026-04-25T12:00:02.000Z","kind":"reading","label":"normal"}',
      ].join('\n') + '\n';

    // Act
    const { labels, errors } = parseLabelsFile(text);

    // Assert
    expect(errors).toEqual([]);
    expect(Object.fromEntries(labels)).toEqual({
      'txn-42-0': 'legit',
      'txn-42-1': 'fraud',
      'sensor-3@2026-04-25T12:00:01.000Z': 'fraud',
      'sensor-4@2026-04-25T12:00:02.000Z': 'legit',
    });
  });

  it('reports every bad line by its number and reason, and keeps the good ones', () => {
    // Arrange
    const text = [
      '{"id":"txn-1","verdict":"fraud"}',
      '{"id":"txn-2","verdict":"maybe"}',
      '',
      'not json',
      '["txn-3","fraud"]',
      '{"verdict":"legit"}',
      '{"id":"txn-4"}',
      '{"id":"txn-5","kind":"payment","label":"normal"}',
      '{"id":"txn-6","kind":"transaction","label":""}',
      '{"id":"txn\\u0000-7","verdict":"legit"}',
      '{"id":"txn-8","verdict":"legit"}\r',
    ].join('\n');

    // Act
    const { labels, errors } = parseLabelsFile(text);

    // Assert
    expect(Object.fromEntries(labels)).toEqual({ 'txn-1': 'fraud', 'txn-8': 'legit' });
    expect(errors).toEqual([
      'line 2: verdict must be fraud or legit, got "maybe"',
      expect.stringMatching(/^line 4: not JSON \(.+\)$/),
      'line 5: expected a JSON object, got array',
      'line 6: id is missing',
      'line 7: needs "verdict" (fraud or legit), or the generator\'s "kind" and "label"',
      'line 8: kind must be transaction or reading, got "payment"',
      'line 9: label must be "normal" or an anomaly\'s name, got ""',
      'line 10: id must not hold control characters',
    ]);
  });

  it('keeps the last verdict of an id', () => {
    // Arrange
    const text = [
      '{"id":"txn-1","verdict":"fraud"}',
      '{"id":"txn-2","verdict":"legit"}',
      '{"id":"txn-1","kind":"transaction","label":"normal"}',
      '{"id":" txn-2 ","verdict":"fraud"}',
    ].join('\n');

    // Act
    const { labels } = parseLabelsFile(text);

    // Assert
    expect(Object.fromEntries(labels)).toEqual({ 'txn-1': 'legit', 'txn-2': 'fraud' });
  });

  it('keeps the earlier verdict when a later line of the id is bad', () => {
    // Act
    const { labels, errors } = parseLabelsFile('{"id":"txn-1","verdict":"fraud"}\n{"id":"txn-1","verdict":"unsure"}\n');

    // Assert
    expect(labels.get('txn-1')).toBe('fraud');
    expect(errors).toEqual(['line 2: verdict must be fraud or legit, got "unsure"']);
  });
});
