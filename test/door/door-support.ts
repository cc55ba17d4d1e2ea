import net from 'node:net';
import { AppProcess, Stack, startStack } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort } = require('../../scripts/lib/redis-server') as {
  freePort: () => Promise<number>;
};

/** Lines that arrive unasked (another user's doing); every other line answers a command. */
const LIVE = /^(MSG|start|stop) /;

/** One door process; DOOR_PORT is its port. */
export class DoorProcess extends AppProcess {
  protected readonly script = 'dist/apps/door/main.js';

  constructor(port: number, env: Record<string, string>) {
    super(port, { ...env, DOOR_PORT: String(port), DOOR_HOST: '127.0.0.1' });
  }

  protected async ready(): Promise<boolean> {
    const client = await LineClient.connect(this.port).catch(() => null);
    client?.destroy();
    return client !== null;
  }
}

export interface DoorStack extends Stack {
  doors: DoorProcess[];
}

/** startStack (private Redis, gateways, the API) plus `doors` door processes on the same Redis. */
export async function startDoorStack(
  opts: { gateways?: number; doors?: number; env?: Record<string, string> } = {},
): Promise<DoorStack> {
  const stack = await startStack({ gateways: opts.gateways ?? 2, env: opts.env });
  const doors: DoorProcess[] = [];
  for (let i = 0; i < (opts.doors ?? 2); i += 1)
    doors.push(new DoorProcess(await freePort(), { ...stack.env, GATEWAY_ID: `door${i + 1}` }));
  await Promise.all(doors.map((d) => d.start()));
  return {
    ...stack,
    doors,
    close: async () => {
      await Promise.all(doors.map((d) => d.stop('SIGKILL')));
      await stack.close();
    },
  };
}

/**
 * A line client over real TCP: replies (to its commands) and live lines (MSG, start, stop) are
 * kept apart, so a test can wait for either while the other keeps arriving.
 */
export class LineClient {
  readonly replies: string[] = [];
  readonly live: string[] = [];
  closed = false;
  closedAt?: number;
  private rest = '';
  private wake: () => void = () => undefined;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const lines = (this.rest + text).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) (LIVE.test(line) ? this.live : this.replies).push(line);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
      this.wake();
    });
  }

  /** Connects and reads the greeting. */
  static async connect(port: number): Promise<LineClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((done, fail) => {
      socket.once('connect', () => done());
      socket.once('error', fail);
    });
    const client = new LineClient(socket);
    const hello = await client.reply();
    if (!hello.startsWith('OK HELLO')) throw new Error(`greeting: ${hello}`);
    return client;
  }

  send(line: string | Buffer): void {
    this.socket.write(typeof line === 'string' ? `${line}\n` : line);
  }

  /** Waits until `check` holds (re-checked on every arriving line and on close). */
  async until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `${what} not met in ${timeoutMs} ms; replies ${JSON.stringify(this.replies.slice(-5))}, live ${JSON.stringify(this.live.slice(-5))}`,
        );
      await new Promise<void>((woken) => {
        const timer = setTimeout(woken, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(timer);
          woken();
        };
      });
    }
  }

  /** The next reply line. */
  async reply(timeoutMs = 10_000): Promise<string> {
    await this.until(() => this.replies.length > 0 || this.closed, timeoutMs, 'a reply');
    const line = this.replies.shift();
    if (line === undefined) throw new Error('closed without a reply');
    return line;
  }

  /** Sends a command; resolves with the reply lines up to and including its OK/ERR line. */
  async command(line: string, timeoutMs = 10_000): Promise<string[]> {
    this.send(line);
    const lines: string[] = [];
    for (;;) {
      const next = await this.reply(timeoutMs);
      lines.push(next);
      if (next.startsWith('OK ') || next.startsWith('ERR ')) return lines;
    }
  }

  /** The final OK/ERR line of a command. */
  async ask(line: string, timeoutMs?: number): Promise<string> {
    return (await this.command(line, timeoutMs)).at(-1) as string;
  }

  /** Waits for a live line matching `pattern`, and returns it. */
  async liveLine(pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
    const matches = (l: string) => (typeof pattern === 'string' ? l === pattern : pattern.test(l));
    await this.until(() => this.live.some(matches), timeoutMs, `live ${String(pattern)}`);
    return this.live.find(matches) as string;
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.closed, timeoutMs, 'close');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Logs a fresh client in with NICK (sign-up on login is on in tests). */
export async function doorLogin(port: number, username: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  const answer = await client.ask(`NICK ${username} password123`);
  if (answer !== `OK NICK ${username}`) throw new Error(`NICK ${username}: ${answer}`);
  return client;
}

let names = 0;
/** A username no other test uses. */
export function freshName(prefix: string): string {
  names += 1;
  return `${prefix}${Date.now().toString(36)}${names}`;
}
