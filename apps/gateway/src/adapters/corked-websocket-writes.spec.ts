import { engineModules, installCorkedWebSocketWrites } from './corked-websocket-writes';

// Pins the patch to the installed engine.io and ws: the boot step inspects the real transport
// and proves the patch on a loopback WebSocket (three packets in one turn, written corked, one
// batch when the turn ends, received in order).
describe('installCorkedWebSocketWrites', () => {
  it('patches engine.io and proves the patch, once however often it runs', async () => {
    await installCorkedWebSocketWrites();
    await installCorkedWebSocketWrites();
  });

  it('fails loudly when a frame is no longer written within send', async () => {
    // engine.io's own copy of ws, the one the patch depends on.
    const proto = engineModules().ws.WebSocket.prototype as { send: (...a: unknown[]) => void };
    const send = proto.send;
    const spy = jest.spyOn(proto, 'send').mockImplementation(function (this: unknown, ...args) {
      setImmediate(() => send.apply(this, args));
    });
    try {
      await expect(installCorkedWebSocketWrites()).rejects.toThrow(
        /engine\.io internals changed \(send \(0 writes/,
      );
    } finally {
      spy.mockRestore();
    }
  });
});
