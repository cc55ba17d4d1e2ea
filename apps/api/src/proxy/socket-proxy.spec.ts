import { GatewayRouter, routeTag } from './socket-proxy';

const A = 'http://127.0.0.1:3001';
const B = 'http://127.0.0.1:3002';
const C = 'http://127.0.0.1:3003';
/** A session id as a gateway reached through the proxy makes it: its route tag, then random. */
const sidOn = (target: string, rest: string) => `${routeTag(target)}${rest}`;

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

  it('routes every request of a sid to the gateway its tag names, on any router', () => {
    const sid = sidOn(B, 'abcdefghij0123456789');
    for (const router of [new GatewayRouter([A, B, C]), new GatewayRouter([A, B, C])]) {
      for (let i = 0; i < 10; i += 1) expect(router.pick(polling(sid))).toBe(B);
      expect(router.pick(`/socket.io/?EIO=4&transport=websocket&sid=${sid}`)).toBe(B);
    }
  });

  it('gives every gateway its own tag, the same for the same URL', () => {
    expect(new Set([A, B, C].map(routeTag)).size).toBe(3);
    expect(routeTag(A)).toBe(routeTag(A));
    expect(routeTag(A)).toMatch(/^[0-9a-f]{8}$/);
  });

  it('finds the sid anywhere in the query, among other params', () => {
    const router = new GatewayRouter([A, B, C]);
    const s1 = sidOn(C, 's1');
    for (const url of [
      `/socket.io/?sid=${s1}`,
      `/socket.io/?sid=${s1}&EIO=4&transport=polling`,
      `/socket.io/?EIO=4&sid=${s1}&transport=polling&t=abc`,
      `/socket.io/?EIO=4&transport=polling&t=abc&sid=${s1}`,
      `/socket.io/?EIO=4&transport=websocket&sid=${s1}&b64=1`,
    ]) {
      expect(router.pick(url)).toBe(C);
    }
  });

  it('decodes a URL-encoded sid', () => {
    const router = new GatewayRouter([A, B, C]);
    const encoded = encodeURIComponent(sidOn(B, 'a+b/c=')).replace(
      /[0-9a-f]/,
      (c) => `%${c.charCodeAt(0).toString(16)}`,
    );
    expect(router.pick(`/socket.io/?EIO=4&transport=polling&sid=${encoded}`)).toBe(B);
    expect(router.pick(`/socket.io/?EIO=4&sid=${sidOn(C, 'x_-y')}&transport=polling`)).toBe(C);
  });

  it('does not mistake another parameter ending in "sid" for the sid', () => {
    const router = new GatewayRouter([A, B]);
    const s1 = sidOn(B, 's1');
    // Not "sid": a handshake, so round-robin starts at A.
    expect(router.pick(`/socket.io/?EIO=4&xsid=${s1}&transport=polling`)).toBe(A);
    expect(router.pick(`/socket.io/?EIO=4&sid=${s1}`)).toBe(B);
  });

  it('does not let sticky requests disturb the round-robin of handshakes', () => {
    const router = new GatewayRouter([A, B, C]);
    const sid = sidOn(C, 's');
    expect(router.pick(handshake)).toBe(A);
    router.pick(polling(sid));
    router.pick(polling(sid));
    expect(router.pick(handshake)).toBe(B);
    expect(router.pick(handshake)).toBe(C);
  });

  it('keeps different sessions on their own gateways', () => {
    const router = new GatewayRouter([A, B, C]);
    const [one, two, three] = [sidOn(A, 'one'), sidOn(B, 'two'), sidOn(C, 'three')];
    expect([polling(three), polling(one), polling(two)].map((u) => router.pick(u))).toEqual([
      C,
      A,
      B,
    ]);
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
});
