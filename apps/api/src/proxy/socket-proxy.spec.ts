import { GatewayRouter } from './socket-proxy';

const A = 'http://127.0.0.1:3001';
const B = 'http://127.0.0.1:3002';
const C = 'http://127.0.0.1:3003';
/** GatewayRouter forgets a session unused for this long (socket-proxy.ts IDLE_MS). */
const IDLE_MS = 5 * 60_000;

const handshake = '/socket.io/?EIO=3&transport=polling&t=Pabc123';
const polling = (sid: string) => `/socket.io/?EIO=3&transport=polling&t=Pdef456&sid=${sid}`;

describe('GatewayRouter', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('spreads handshakes round-robin', () => {
    const router = new GatewayRouter([A, B, C]);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => router.pick(handshake))).toEqual([A, B, C, A, B, C, A]);
  });

  it('treats a missing URL as a handshake', () => {
    const router = new GatewayRouter([A, B]);
    expect([router.pick(undefined), router.pick(undefined), router.pick('')]).toEqual([A, B, A]);
  });

  it('always uses the single gateway when there is one', () => {
    const router = new GatewayRouter([A]);
    expect([router.pick(handshake), router.pick(handshake), router.pick(polling('x'))]).toEqual([
      A,
      A,
      A,
    ]);
  });

  it('routes every request of a remembered sid to its gateway', () => {
    const router = new GatewayRouter([A, B, C]);
    router.remember('sidOnB', B);
    for (let i = 0; i < 10; i += 1) expect(router.pick(polling('sidOnB'))).toBe(B);
    expect(router.pick('/socket.io/?EIO=4&transport=websocket&sid=sidOnB')).toBe(B);
  });

  it('finds the sid anywhere in the query, among other params', () => {
    const router = new GatewayRouter([A, B, C]);
    router.remember('s1', C);
    for (const url of [
      '/socket.io/?sid=s1',
      '/socket.io/?sid=s1&EIO=4&transport=polling',
      '/socket.io/?EIO=4&sid=s1&transport=polling&t=abc',
      '/socket.io/?EIO=4&transport=polling&t=abc&sid=s1',
      '/socket.io/?EIO=4&transport=websocket&sid=s1&b64=1',
    ]) {
      expect(router.pick(url)).toBe(C);
    }
  });

  it('decodes a URL-encoded sid', () => {
    const router = new GatewayRouter([A, B, C]);
    router.remember('a+b/c=', B);
    router.remember('x_-y', C);
    expect(router.pick('/socket.io/?EIO=4&transport=polling&sid=a%2Bb%2Fc%3D')).toBe(B);
    expect(router.pick('/socket.io/?EIO=4&sid=x_-y&transport=polling')).toBe(C);
  });

  it('does not mistake another parameter ending in "sid" for the sid', () => {
    const router = new GatewayRouter([A, B]);
    router.remember('s1', B);
    // Not "sid": a handshake, so round-robin starts at A.
    expect(router.pick('/socket.io/?EIO=4&xsid=s1&transport=polling')).toBe(A);
    expect(router.pick('/socket.io/?EIO=4&sid=s1')).toBe(B);
  });

  it('does not let sticky requests disturb the round-robin of handshakes', () => {
    const router = new GatewayRouter([A, B, C]);
    router.remember('s', C);
    expect(router.pick(handshake)).toBe(A);
    router.pick(polling('s'));
    router.pick(polling('s'));
    expect(router.pick(handshake)).toBe(B);
    expect(router.pick(handshake)).toBe(C);
  });

  it('keeps different sessions on their own gateways', () => {
    const router = new GatewayRouter([A, B, C]);
    router.remember('one', A);
    router.remember('two', B);
    router.remember('three', C);
    expect([polling('three'), polling('one'), polling('two')].map((u) => router.pick(u))).toEqual([
      C,
      A,
      B,
    ]);
    expect(router.size).toBe(3);
  });

  it('routes an unknown sid like a new connection', () => {
    const router = new GatewayRouter([A, B]);
    expect([router.pick(polling('never-seen')), router.pick(polling('never-seen'))]).toEqual([
      A,
      B,
    ]);
  });

  it('does not throw on a malformed percent-encoding in the sid', () => {
    const router = new GatewayRouter([A, B]);
    expect(() => router.pick('/socket.io/?EIO=4&sid=%E0%A4%A')).not.toThrow();
    expect([A, B]).toContain(router.pick('/socket.io/?EIO=4&sid=%'));
  });

  describe('prune', () => {
    it('forgets sessions idle for longer than the idle time', () => {
      const t0 = 1_700_000_000_000;
      const now = jest.spyOn(Date, 'now').mockReturnValue(t0);
      const router = new GatewayRouter([A, B, C]);
      router.remember('idle', C);
      router.remember('busy', C);
      now.mockReturnValue(t0 + IDLE_MS - 1000);
      expect(router.pick(polling('busy'))).toBe(C); // refreshes "busy"
      router.prune(t0 + IDLE_MS + 1);
      expect(router.size).toBe(1);
      // "idle" is gone: its next request is routed as a new connection (round-robin from A).
      expect(router.pick(polling('idle'))).toBe(A);
      expect(router.pick(polling('busy'))).toBe(C);
    });

    it('keeps sessions used within the idle time', () => {
      const t0 = 1_700_000_000_000;
      jest.spyOn(Date, 'now').mockReturnValue(t0);
      const router = new GatewayRouter([A, B]);
      router.remember('s', B);
      router.prune(t0 + IDLE_MS);
      expect(router.size).toBe(1);
      expect(router.pick(polling('s'))).toBe(B);
      router.prune(t0 + 2 * IDLE_MS + 1);
      expect(router.size).toBe(0);
    });

    it('uses the current time by default', () => {
      const t0 = 1_700_000_000_000;
      const now = jest.spyOn(Date, 'now').mockReturnValue(t0);
      const router = new GatewayRouter([A, B]);
      router.remember('s', B);
      router.prune();
      expect(router.size).toBe(1);
      now.mockReturnValue(t0 + IDLE_MS + 1);
      router.prune();
      expect(router.size).toBe(0);
    });
  });
});
