import { Server } from 'socket.io';
import { installRepeatedConnectShim } from './repeated-connect';

// Pins the patch to the installed socket.io: the boot step inspects the real internals and
// proves the guard on an in-memory connection (three CONNECTs, one answer, one socket).
describe('installRepeatedConnectShim', () => {
  it('patches socket.io and proves the guard, once however often it runs', async () => {
    await installRepeatedConnectShim();
    await installRepeatedConnectShim();
  });

  it('fails loudly when a namespace no longer keeps its pending sockets', async () => {
    const of = Server.prototype.of;
    const spy = jest.spyOn(Server.prototype, 'of').mockImplementation(function (
      this: Server,
      ...args: Parameters<Server['of']>
    ) {
      const nsp = of.apply(this, args);
      delete (nsp as unknown as { _preConnectSockets?: unknown })._preConnectSockets;
      return nsp;
    });
    try {
      await expect(installRepeatedConnectShim()).rejects.toThrow(
        /socket\.io internals changed \(Namespace\._preConnectSockets/,
      );
    } finally {
      spy.mockRestore();
    }
  });
});
