import { compactId } from '../../../shared/domain/ids';

describe('compactId', () => {
  it('keeps the stored format: the first 11 base64url characters of the id’s sha256 (UTF-8)', () => {
    // Arrange: digests as entity items hold them (computed with createHash('sha256').update(id).digest('base64url'))
    const stored = {
      'txn-123': 'mgjT8se5yBZ',
      'a-1': 'L4_mOmIkMh3',
      'Ünïcödé-id-😀': '1kNIQivBDxN',
      ' x': 'gwqBXbBn-VA',
    };

    // Act
    const computed = Object.fromEntries(Object.keys(stored).map((id) => [id, compactId(id)]));

    // Assert
    expect(computed).toEqual(stored);
  });
});
