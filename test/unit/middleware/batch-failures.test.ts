import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { withFailures } from '../../../shared/middleware/batch-failures';

/** Kinesis-sized sequence numbers (49 digits), far beyond what a double holds exactly. */
const BASE = 4_965_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;
const seq = (offset: bigint): string => (BASE + offset).toString();
const ids = (response: KinesisStreamBatchResponse): string[] => response.batchItemFailures.map((f) => f.itemIdentifier);

describe('withFailures', () => {
  it('builds a response from nothing', () => {
    // Act
    const response = withFailures(null, [seq(3n), seq(1n)]);

    // Assert
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1n) }, { itemIdentifier: seq(3n) }] });
  });

  it('answers an empty failure list when there is nothing to add', () => {
    // Act
    const response = withFailures(null, []);

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it("merges the handler's failures with the new ones and lists each sequence number once", () => {
    // Arrange
    const handlerResponse: KinesisStreamBatchResponse = { batchItemFailures: [{ itemIdentifier: seq(5n) }, { itemIdentifier: seq(2n) }] };

    // Act
    const response = withFailures(handlerResponse, [seq(2n), seq(9n), seq(9n)]);

    // Assert
    expect(ids(response)).toEqual([seq(2n), seq(5n), seq(9n)]);
  });

  it('does not change the response it is given', () => {
    // Arrange
    const handlerResponse: KinesisStreamBatchResponse = { batchItemFailures: [{ itemIdentifier: seq(5n) }] };

    // Act
    withFailures(handlerResponse, [seq(1n)]);

    // Assert
    expect(handlerResponse).toEqual({ batchItemFailures: [{ itemIdentifier: seq(5n) }] });
  });

  it('orders by numeric value where text order differs ("9…" has fewer digits than "10…")', () => {
    // Arrange: 41 and 42 digits; as text "1000…" sorts before "9000…".
    const nine = `9${'0'.repeat(40)}`;
    const ten = `10${'0'.repeat(40)}`;

    // Act
    const response = withFailures({ batchItemFailures: [{ itemIdentifier: ten }] }, [nine]);

    // Assert
    expect(ids(response)).toEqual([nine, ten]);
  });

  it('orders numbers that differ only beyond double precision', () => {
    // Arrange: as doubles these three are equal, so a Number comparison would keep the input order.
    const input = [seq(3n), seq(1n), seq(2n)];

    // Act
    const response = withFailures(null, input);

    // Assert
    expect(Number(seq(1n))).toBe(Number(seq(3n)));
    expect(ids(response)).toEqual([seq(1n), seq(2n), seq(3n)]);
  });
});
