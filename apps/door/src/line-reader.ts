/** The longest line the door reads, in bytes without its `\n` (and an optional `\r`). */
export const LINE_MAX_BYTES = 4096;

export type LineEvent =
  | { kind: 'line'; text: string }
  | { kind: 'error'; code: 'line_too_long' | 'bad_encoding'; message: string };

const NEWLINE = 0x0a;
const CR = 0x0d;
/** C0 controls but tab, DEL and the C1 controls: a terminal may act on them, nobody types them. */
const CONTROL = /[^\P{Cc}\t]/gu;

/**
 * Frames a byte stream into UTF-8 lines. Memory stays bounded whatever arrives: a line is
 * refused as soon as it passes the cap (not when its newline finally comes, which may be never),
 * and the rest of it is skipped up to the next newline. Decoding is strict: one invalid byte
 * refuses the line, so nothing malformed reaches the domain.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(private readonly maxBytes = LINE_MAX_BYTES) {}

  /** Bytes of an unfinished line held so far. */
  get pending(): number {
    return this.size;
  }

  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      if (end === -1) {
        this.hold(piece, events);
        break;
      }
      if (this.skipping) this.skipping = false;
      else {
        this.hold(piece, events);
        if (!this.skipping) events.push(this.finish());
        else this.skipping = false;
      }
      start = end + 1;
    }
    return events;
  }

  /** Keeps part of the current line, or refuses the line once it is too long. */
  private hold(piece: Buffer, events: LineEvent[]): void {
    if (this.skipping || piece.length === 0) return;
    // One byte of slack: a `\r` before the newline is not part of the line.
    if (this.size + piece.length > this.maxBytes + 1) {
      this.parts = [];
      this.size = 0;
      this.skipping = true;
      events.push({
        kind: 'error',
        code: 'line_too_long',
        message: `lines are at most ${this.maxBytes} bytes; this one was dropped`,
      });
      return;
    }
    this.parts.push(piece);
    this.size += piece.length;
  }

  private finish(): LineEvent {
    let bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    if (bytes.length > this.maxBytes) {
      return {
        kind: 'error',
        code: 'line_too_long',
        message: `lines are at most ${this.maxBytes} bytes; this one was dropped`,
      };
    }
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      return { kind: 'error', code: 'bad_encoding', message: 'lines must be UTF-8' };
    }
    return { kind: 'line', text: text.replace(CONTROL, '') };
  }
}
