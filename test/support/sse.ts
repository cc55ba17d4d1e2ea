import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { waitFor } from './api';

export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * A raw Server-Sent Events reader over node:http (no reconnects, unlike EventSource): what
 * arrived, split into events and comments, and when the server ended the response.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Set once the response ended or its connection closed (ms since epoch). */
  endedAt?: number;
  body = '';
  private pending = '';

  constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.take(chunk));
    const end = () => (this.endedAt ??= Date.now());
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get ended(): boolean {
    return this.endedAt !== undefined;
  }

  /** The events named `event` (optionally matching), as they arrived. */
  of<T>(event: string, match: (data: T) => boolean = () => true): T[] {
    return this.events
      .filter((e) => e.event === event && match(e.data as T))
      .map((e) => e.data as T);
  }

  async next<T>(event: string, match: (data: T) => boolean = () => true, timeoutMs = 5_000) {
    await waitFor(() => this.of(event, match).length > 0, timeoutMs, 20);
    return this.of(event, match)[0];
  }

  close(): void {
    this.req.destroy();
  }

  private take(chunk: string): void {
    this.body += chunk;
    this.pending += chunk;
    let cut: number;
    while ((cut = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join('\n')) });
    }
  }
}

/** Opens `GET url` as an event stream; resolves with the reader once the status is in. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream', ...headers } });
    req.on('response', (res) => done(new SseReader(req, res)));
    req.on('error', fail);
    req.end();
  });
}
