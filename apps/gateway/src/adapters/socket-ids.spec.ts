import { SocketIds } from './socket-ids';

describe('SocketIds', () => {
  it('gives 20-character base64url ids, none repeated across several refills of the pool', () => {
    const ids = new SocketIds();
    const seen = new Set<string>();
    for (let i = 0; i < 256 * 4 + 7; i += 1) {
      const id = ids.take();
      expect(id).toMatch(/^[A-Za-z0-9_-]{20}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(256 * 4 + 7);
  });

  it('two pools do not give the same ids', () => {
    const [a, b] = [new SocketIds(), new SocketIds()];
    const fromA = new Set(Array.from({ length: 300 }, () => a.take()));
    for (let i = 0; i < 300; i += 1) expect(fromA.has(b.take())).toBe(false);
  });
});
