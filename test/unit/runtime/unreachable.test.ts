import { whileUnreachable } from '../../../local/runtime/unreachable';

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });

describe('whileUnreachable (what the local runtime reads at its start)', () => {
  it('waits while the emulator refuses connections, says so once, and returns what it answers then', async () => {
    // Arrange
    let calls = 0;
    const log: string[] = [];

    // Act
    const answer = await whileUnreachable(
      'reading the deployed fn',
      async () => {
        calls++;
        if (calls < 3) throw refused();
        return 'config';
      },
      (line) => log.push(line),
    );

    // Assert
    expect(answer).toBe('config');
    expect(calls).toBe(3);
    expect(log).toEqual(['reading the deployed fn: the emulator does not answer (ECONNREFUSED); waiting for it, at most 60 s']);
  });

  it('throws any other error at once', async () => {
    // Arrange
    let calls = 0;
    const notFound = Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });

    // Act
    const outcome = whileUnreachable(
      'reading the deployed fn',
      async () => {
        calls++;
        throw notFound;
      },
      () => undefined,
    );

    // Assert
    await expect(outcome).rejects.toBe(notFound);
    expect(calls).toBe(1);
  });

  it('gives up with the network error once its patience is spent', async () => {
    // Act
    const outcome = whileUnreachable(
      'reading the deployed fn',
      async () => Promise.reject(refused()),
      () => undefined,
      500,
    );

    // Assert
    await expect(outcome).rejects.toThrow('ECONNREFUSED');
  });
});
