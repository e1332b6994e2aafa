import { setTimeout as sleep } from 'node:timers/promises';
import { chunk, chunkBySize, mapWithConcurrency, retryCall, retryUntilDone } from '../../../shared/adapters/batching';

describe('chunk', () => {
  it('splits into runs of the given size, the last one shorter', () => {
    // Act
    const parts = chunk([1, 2, 3, 4, 5, 6, 7], 3);

    // Assert
    expect(parts).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('gives no runs for no items', () => {
    // Act
    const parts = chunk([], 25);

    // Assert
    expect(parts).toEqual([]);
  });
});

describe('chunkBySize', () => {
  const identity = (n: number): number => n;

  it('starts a new run when the count limit is reached', () => {
    // Act
    const parts = chunkBySize([1, 1, 1, 1, 1], 2, 1_000, identity);

    // Assert
    expect(parts).toEqual([[1, 1], [1, 1], [1]]);
  });

  it('starts a new run when the next item would take the run over the size limit', () => {
    // Act
    const parts = chunkBySize([4, 4, 4, 6, 4], 10, 8, identity);

    // Assert
    expect(parts).toEqual([[4, 4], [4], [6], [4]]);
  });

  it('fills a run up to exactly the size limit', () => {
    // Act
    const parts = chunkBySize([5, 5, 1], 10, 10, identity);

    // Assert
    expect(parts).toEqual([[5, 5], [1]]);
  });

  it('sends an item larger than the size limit alone, wherever it is', () => {
    // Act
    const parts = chunkBySize([20, 2, 3, 30, 1], 10, 10, identity);

    // Assert
    expect(parts).toEqual([[20], [2, 3], [30], [1]]);
  });

  it('measures items with the function it is given', () => {
    // Arrange
    const items = ['aaaa', 'bb', 'cccccc', 'd'];

    // Act
    const parts = chunkBySize(items, 10, 6, (s) => s.length);

    // Assert
    expect(parts).toEqual([['aaaa', 'bb'], ['cccccc'], ['d']]);
  });
});

describe('retryUntilDone', () => {
  it('stops as soon as nothing is left', async () => {
    // Arrange
    const calls: Array<readonly string[]> = [];
    const send = async (pending: readonly string[]): Promise<readonly string[]> => {
      calls.push(pending);
      return pending.slice(1);
    };

    // Act
    const left = await retryUntilDone(['a', 'b', 'c'], send, { attempts: 10, baseDelayMs: 0 });

    // Assert
    expect(left).toEqual([]);
    expect(calls).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c']]);
  });

  it('does not call send for no items', async () => {
    // Arrange
    const send = jest.fn(async (pending: readonly number[]): Promise<readonly number[]> => pending);

    // Act
    const left = await retryUntilDone([], send, { baseDelayMs: 0 });

    // Assert
    expect(left).toEqual([]);
    expect(send).not.toHaveBeenCalled();
  });

  it('gives back what is still pending after the last attempt', async () => {
    // Arrange
    const send = jest.fn(async (pending: readonly number[]): Promise<readonly number[]> => pending.slice(1));

    // Act
    const left = await retryUntilDone([1, 2, 3, 4, 5], send, { attempts: 3, baseDelayMs: 0 });

    // Assert
    expect(left).toEqual([4, 5]);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('makes six attempts by default', async () => {
    // Arrange
    const send = jest.fn(async (pending: readonly number[]): Promise<readonly number[]> => pending);

    // Act
    const left = await retryUntilDone([1, 2], send, { baseDelayMs: 0 });

    // Assert
    expect(left).toEqual([1, 2]);
    expect(send).toHaveBeenCalledTimes(6);
  });

  it('lets an error of send through', async () => {
    // Arrange
    const send = async (): Promise<readonly number[]> => {
      throw new Error('access denied');
    };

    // Act
    const result = retryUntilDone([1], send, { baseDelayMs: 0 });

    // Assert
    await expect(result).rejects.toThrow('access denied');
  });
});

describe('mapWithConcurrency', () => {
  it('keeps the input order when calls finish in another order', async () => {
    // Arrange
    const delays = [30, 1, 15, 5, 0, 10];

    // Act
    const results = await mapWithConcurrency(delays, 3, async (ms) => {
      await sleep(ms);
      return `done ${ms}`;
    });

    // Assert
    expect(results).toEqual(['done 30', 'done 1', 'done 15', 'done 5', 'done 0', 'done 10']);
  });

  it('never has more than `limit` calls in flight, and uses that many', async () => {
    // Arrange
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];

    // Act
    await mapWithConcurrency([8, 2, 6, 1, 4, 3, 5, 7], 3, async (ms) => {
      started.push(ms);
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(ms);
      inFlight--;
    });

    // Assert
    expect(most).toBe(3);
    expect(inFlight).toBe(0);
    expect(started).toHaveLength(8);
  });

  it('calls fn once per item when the limit is larger than the list', async () => {
    // Arrange
    const fn = jest.fn(async (n: number) => n * 2);

    // Act
    const results = await mapWithConcurrency([1, 2, 3], 10, fn);

    // Assert
    expect(results).toEqual([2, 4, 6]);
    expect(fn).toHaveBeenCalledTimes(3);
  });
});

describe('retryCall', () => {
  const failing = (failures: number, error = new Error('throttled')) => {
    let calls = 0;
    return {
      call: jest.fn(async () => {
        calls++;
        if (calls <= failures) throw error;
        return calls;
      }),
    };
  };

  it('calls again until the call resolves, within the attempts', async () => {
    const { call } = failing(3);

    await expect(retryCall(call, () => false, { attempts: 4, baseDelayMs: 0 })).resolves.toBe(4);
  });

  it('throws the last error once the attempts run out', async () => {
    const { call } = failing(4);

    await expect(retryCall(call, () => false, { attempts: 4, baseDelayMs: 0 })).rejects.toThrow('throttled');
    expect(call).toHaveBeenCalledTimes(4);
  });

  it('starts no try past its deadline', async () => {
    const { call } = failing(1);

    await expect(retryCall(call, () => false, { baseDelayMs: 0, giveUpAt: Date.now() - 1 })).rejects.toThrow('throttled');
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('throws an error no retry can mend at once', async () => {
    const { call } = failing(1, new Error('no such table'));

    await expect(retryCall(call, (e) => e instanceof Error && e.message === 'no such table', { baseDelayMs: 0 })).rejects.toThrow(
      'no such table',
    );
    expect(call).toHaveBeenCalledTimes(1);
  });
});
