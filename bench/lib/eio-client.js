'use strict';
// A minimal Socket.IO v5 / Engine.IO v4 client over a raw WebSocket, for the load generator.
// socket.io-client costs several times more CPU per event; with the generator on the same two
// cores as the servers, every cycle it saves is one the servers get. Default namespace only.
const { WebSocket: WsSocket } = require('ws');

class EioClient {
  /**
   * @param {string} baseUrl http://host:port
   * `onFrame` sees each event frame's raw text (`42["name",…]`) first; returning true skips
   * parsing it and `onEvent` (the presence scenario counts millions of frames this way).
   * @param {{ auth?: object, onEvent?: (name: string, payload: unknown) => void,
   *   onFrame?: (frame: string) => boolean }} opts
   */
  constructor(baseUrl, opts = {}) {
    this.url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    this.auth = opts.auth;
    this.onEvent = opts.onEvent ?? (() => undefined);
    this.onFrame = opts.onFrame ?? null;
    this.nextAck = 1;
    this.pending = new Map();
    this.ws = null;
    this.connected = false;
  }

  connect(timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const ws = new WsSocket(this.url, { perMessageDeflate: false });
      this.ws = ws;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('connect timeout'));
      }, timeoutMs);
      ws.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.on('close', () => {
        this.connected = false;
        for (const fn of this.pending.values()) fn({ ok: false, error: { code: 'closed' } });
        this.pending.clear();
      });
      ws.on('message', (/** @type {Buffer} */ data) => {
        const s = data.toString('utf8');
        switch (s[0]) {
          case '0': // Engine.IO open → Socket.IO CONNECT with auth
            ws.send(`40${this.auth ? JSON.stringify(this.auth) : ''}`);
            return;
          case '2': // ping
            ws.send('3');
            return;
          case '4':
            break;
          default:
            return;
        }
        const type = s[1];
        if (type === '0') {
          clearTimeout(timer);
          this.connected = true;
          resolve(this);
        } else if (type === '4') {
          clearTimeout(timer);
          let message = 'connect_error';
          try {
            message = JSON.parse(s.slice(2)).message;
          } catch {
            // keep the generic message
          }
          reject(new Error(message));
        } else if (type === '2') {
          if (this.onFrame?.(s)) return;
          const args = JSON.parse(s.slice(s.indexOf('[')));
          this.onEvent(args[0], args[1]);
        } else if (type === '3') {
          const bracket = s.indexOf('[');
          const id = Number(s.slice(2, bracket));
          const fn = this.pending.get(id);
          if (fn) {
            this.pending.delete(id);
            fn(JSON.parse(s.slice(bracket))[0]);
          }
        } else if (type === '1') {
          this.connected = false;
        }
      });
    });
  }

  emit(event, payload) {
    this.ws.send(`42${JSON.stringify([event, payload])}`);
  }

  emitWithAck(event, payload) {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  close() {
    if (this.ws) this.ws.terminate();
  }
}

module.exports = { EioClient };
