import { deliveryFaults, InjectedFunctionError } from '../../../local/faults/delivery-faults';

const kinesisEvent = (n: number) => ({ Records: Array.from({ length: n }, (_, i) => ({ kinesis: { sequenceNumber: String(100 + i) } })) });
const streamEvent = (n: number) => ({ Records: Array.from({ length: n }, (_, i) => ({ dynamodb: { SequenceNumber: String(500 + i) } })) });

function recordingFunction(answer: unknown = { batchItemFailures: [] }) {
  const calls: unknown[] = [];
  return { calls, invoke: async (event: unknown) => (calls.push(event), answer) };
}

describe('delivery faults around a function', () => {
  it('delivers the batch a second time, whole, after the first delivery ran', async () => {
    const fn = recordingFunction();
    const faults = deliveryFaults({ replayWhole: 1 }, 1);
    const event = kinesisEvent(3);

    const result = await faults.wrap('f', fn.invoke)(event);

    expect(fn.calls).toEqual([event, event]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(faults.stats()).toMatchObject({ invocations: 1, replayedWhole: 1 });
  });

  it('fails the invocation with a function error once the function has run, so the mapping bisects', async () => {
    const fn = recordingFunction();
    const faults = deliveryFaults({ bisect: 1 }, 1);

    await expect(faults.wrap('f', fn.invoke)(kinesisEvent(4))).rejects.toBeInstanceOf(InjectedFunctionError);
    expect(fn.calls).toHaveLength(1);
    // A batch of one cannot be split: it is left alone.
    await expect(faults.wrap('f', fn.invoke)(kinesisEvent(1))).resolves.toEqual({ batchItemFailures: [] });
    expect(faults.stats().bisected).toBe(1);
  });

  it('reports one record after the first as failed, keeping what the function reported, for Kinesis and DynamoDB Streams records', async () => {
    const fn = recordingFunction({ batchItemFailures: [{ itemIdentifier: '104' }] });
    const faults = deliveryFaults({ retryFrom: 1 }, 3);

    const kinesis = (await faults.wrap('f', fn.invoke)(kinesisEvent(5))) as { batchItemFailures: Array<{ itemIdentifier: string }> };
    const stream = (await faults.wrap('f', recordingFunction().invoke)(streamEvent(5))) as {
      batchItemFailures: Array<{ itemIdentifier: string }>;
    };

    expect(kinesis.batchItemFailures[0]).toEqual({ itemIdentifier: '104' });
    expect(kinesis.batchItemFailures[1]?.itemIdentifier).toMatch(/^10[1-4]$/);
    expect(stream.batchItemFailures).toEqual([{ itemIdentifier: expect.stringMatching(/^50[1-4]$/) }]);
    expect(faults.stats().retriedFrom).toBe(2);
  });

  it('draws from its seed, at about the rates asked for, and leaves the functions it does not apply to alone', async () => {
    const draw = async (seed: number) => {
      const faults = deliveryFaults({ replayWhole: 0.2, bisect: 0.1, retryFrom: 0.1 }, seed, (name) => name === 'scorer');
      const outcomes: string[] = [];
      for (let i = 0; i < 400; i++) {
        const fn = recordingFunction();
        try {
          const result = (await faults.wrap('scorer', fn.invoke)(kinesisEvent(10))) as { batchItemFailures: unknown[] };
          outcomes.push(fn.calls.length === 2 ? 'replay' : result.batchItemFailures.length > 0 ? 'retryFrom' : 'ok');
        } catch {
          outcomes.push('bisect');
        }
      }
      const untouched = [];
      for (let i = 0; i < 20; i++) {
        const fn = recordingFunction();
        untouched.push([await faults.wrap('publisher', fn.invoke)(kinesisEvent(10)), fn.calls.length]);
      }
      expect(untouched).toEqual(Array.from({ length: 20 }, () => [{ batchItemFailures: [] }, 1]));
      return { outcomes, stats: faults.stats() };
    };

    const first = await draw(5);
    const again = await draw(5);

    expect(again.outcomes).toEqual(first.outcomes);
    const count = (what: string) => first.outcomes.filter((o) => o === what).length;
    expect(count('replay')).toBeGreaterThan(50); // 20 % of 400 = 80
    expect(count('replay')).toBeLessThan(110);
    expect(count('bisect')).toBeGreaterThan(20); // 10 % = 40
    expect(count('retryFrom')).toBeGreaterThan(20);
    expect(first.stats).toEqual({
      invocations: 420,
      replayedWhole: count('replay'),
      bisected: count('bisect'),
      retriedFrom: count('retryFrom'),
    });
  });
});
