import { randomFillSync } from 'node:crypto';

const ID_BYTES = 15;
const IDS_PER_FILL = 256;

/**
 * Random socket ids (15 bytes, base64url) drawn from a pool refilled 256 ids at a time.
 * `randomBytes(15)` for each handshake was one call into the system's random source per socket,
 * 3.6 % of a gateway's time in the connect storm; engine.io's own ids are pooled the same way.
 * The bytes are the same cryptographic randomness, each used once.
 */
export class SocketIds {
  private readonly pool = Buffer.alloc(ID_BYTES * IDS_PER_FILL);
  private next = IDS_PER_FILL;

  take(): string {
    if (this.next === IDS_PER_FILL) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    const start = this.next++ * ID_BYTES;
    return this.pool.toString('base64url', start, start + ID_BYTES);
  }
}
