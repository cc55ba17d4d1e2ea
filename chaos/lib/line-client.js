'use strict';
// A line-door client over real TCP, shared by the door e2e suites (test/door/door-support.ts),
// the chaos run's door case and the door benchmark. Replies (to its commands) and live lines
// (MSG, start, stop) are kept apart, so a caller can wait for either while the other keeps
// arriving; `onLine` takes lines over instead (the benchmark counts them and keeps none).
const net = require('node:net');

/** Lines that arrive unasked (another user's doing); every other line answers a command. */
const LIVE = /^(MSG|start|stop) /;

class LineClient {
  /**
   * @param {net.Socket} socket
   * @param {{ onLine?: (line: string, live: boolean) => boolean }} [opts] onLine returns true
   *   for a line it consumed; other lines are queued as usual
   */
  constructor(socket, opts = {}) {
    this.socket = socket;
    /** @type {string[]} */
    this.replies = [];
    /** @type {string[]} */
    this.live = [];
    this.closed = false;
    /** @type {number | undefined} */
    this.closedAt = undefined;
    this.rest = '';
    this.wake = () => undefined;
    const onLine = opts.onLine;
    socket.setEncoding('utf8');
    socket.on('data', (/** @type {string} */ text) => {
      const lines = (this.rest + text).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) {
        const live = LIVE.test(line);
        if (onLine && onLine(line, live)) continue;
        (live ? this.live : this.replies).push(line);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
      this.wake();
    });
  }

  /**
   * Connects and reads the greeting.
   * @param {number} port
   * @param {{ host?: string, onLine?: (line: string, live: boolean) => boolean }} [opts]
   * @returns {Promise<LineClient>}
   */
  static async connect(port, opts = {}) {
    const socket = net.connect(port, opts.host ?? '127.0.0.1');
    await new Promise((done, fail) => {
      socket.once('connect', () => done(undefined));
      socket.once('error', fail);
    });
    socket.setNoDelay(true);
    const client = new LineClient(socket, opts);
    const hello = await client.reply();
    if (!hello.startsWith('OK HELLO')) throw new Error(`greeting: ${hello}`);
    return client;
  }

  /** @param {string | Buffer} line */
  send(line) {
    this.socket.write(typeof line === 'string' ? `${line}\n` : line);
  }

  /**
   * Waits until `check` holds (re-checked on every arriving line and on close).
   * @param {() => boolean} check
   */
  async until(check, timeoutMs = 10_000, what = 'condition') {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `${what} not met in ${timeoutMs} ms; replies ${JSON.stringify(this.replies.slice(-5))}, live ${JSON.stringify(this.live.slice(-5))}`,
        );
      await new Promise((woken) => {
        const timer = setTimeout(woken, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(timer);
          woken(undefined);
        };
      });
    }
  }

  /** The next reply line. @returns {Promise<string>} */
  async reply(timeoutMs = 10_000) {
    await this.until(() => this.replies.length > 0 || this.closed, timeoutMs, 'a reply');
    const line = this.replies.shift();
    if (line === undefined) throw new Error('closed without a reply');
    return line;
  }

  /**
   * Sends a command; resolves with the reply lines up to and including its OK/ERR line.
   * @param {string} line
   * @returns {Promise<string[]>}
   */
  async command(line, timeoutMs = 10_000) {
    this.send(line);
    const lines = [];
    for (;;) {
      const next = await this.reply(timeoutMs);
      lines.push(next);
      if (next.startsWith('OK ') || next.startsWith('ERR ')) return lines;
    }
  }

  /** The final OK/ERR line of a command. @returns {Promise<string>} */
  async ask(line, timeoutMs) {
    return (await this.command(line, timeoutMs)).at(-1);
  }

  /**
   * Waits for a live line matching `pattern`, and returns it.
   * @param {RegExp | string} pattern
   * @returns {Promise<string>}
   */
  async liveLine(pattern, timeoutMs = 10_000) {
    const matches = (l) => (typeof pattern === 'string' ? l === pattern : pattern.test(l));
    await this.until(() => this.live.some(matches), timeoutMs, `live ${String(pattern)}`);
    return this.live.find(matches);
  }

  async waitClosed(timeoutMs = 10_000) {
    await this.until(() => this.closed, timeoutMs, 'close');
  }

  destroy() {
    this.socket.destroy();
  }
}

/**
 * Connects and logs in: `NICK <name> password123` (tests sign up on login), or `TOKEN <token>`.
 * @param {number} port
 * @param {{ name?: string, token?: string, onLine?: (line: string, live: boolean) => boolean }} who
 * @returns {Promise<LineClient>}
 */
async function lineLogin(port, who) {
  const client = await LineClient.connect(port, { onLine: who.onLine });
  const answer = await client.ask(
    who.token ? `TOKEN ${who.token}` : `NICK ${who.name} password123`,
  );
  if (!answer.startsWith('OK NICK ') || (who.name && answer !== `OK NICK ${who.name}`)) {
    client.destroy();
    throw new Error(`login${who.name ? ` ${who.name}` : ''}: ${answer}`);
  }
  return client;
}

/** Whether a door answers on `port` with its greeting. */
async function doorAnswers(port) {
  const client = await LineClient.connect(port).catch(() => null);
  client?.destroy();
  return client !== null;
}

module.exports = { LineClient, lineLogin, doorAnswers, LIVE };
