import type { Socket } from 'node:net';
import { AppProcess, freePort, Stack, startStack } from '../support/stack';

/** One door process; DOOR_PORT is its port. */
export class DoorProcess extends AppProcess {
  protected readonly script = 'dist/apps/door/main.js';

  constructor(port: number, env: Record<string, string>) {
    super(port, { ...env, DOOR_PORT: String(port), DOOR_HOST: '127.0.0.1' });
  }

  protected ready(): Promise<boolean> {
    return lineClient.doorAnswers(this.port);
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

/** A line client over real TCP (chaos/lib/line-client.js, shared with chaos and the bench). */
export interface LineClient {
  readonly socket: Socket;
  /** Replies to this client's commands, and lines that arrived unasked (MSG, start, stop). */
  readonly replies: string[];
  readonly live: string[];
  closed: boolean;
  closedAt?: number;
  send(line: string | Buffer): void;
  /** Waits until `check` holds (re-checked on every arriving line and on close). */
  until(check: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  reply(timeoutMs?: number): Promise<string>;
  /** Sends a command; resolves with the reply lines up to and including its OK/ERR line. */
  command(line: string, timeoutMs?: number): Promise<string[]>;
  /** The final OK/ERR line of a command. */
  ask(line: string, timeoutMs?: number): Promise<string>;
  liveLine(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  waitClosed(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lineClient = require('../../chaos/lib/line-client') as {
  LineClient: { connect(port: number): Promise<LineClient> };
  lineLogin(port: number, who: { name?: string; token?: string }): Promise<LineClient>;
  doorAnswers(port: number): Promise<boolean>;
};
export const LineClient = lineClient.LineClient;

/** Logs a fresh client in with NICK (sign-up on login is on in tests). */
export function doorLogin(port: number, username: string): Promise<LineClient> {
  return lineClient.lineLogin(port, { name: username });
}

let names = 0;
/** A username no other test uses. */
export function freshName(prefix: string): string {
  names += 1;
  return `${prefix}${Date.now().toString(36)}${names}`;
}
