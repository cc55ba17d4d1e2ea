import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { dmRoomId } from '../rooms/room-id';
import { RoomsService } from '../rooms/rooms.service';
import { UsersService } from '../users/users.service';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { GENERAL_ROOM_ID, Limits } from '@app/contracts';
import { MessagesRepository, SeedRepository } from '@app/redis';
import { randomInt, randomUUID } from 'node:crypto';
import { DEMO_GENERAL_MESSAGES, DEMO_GREETINGS, DEMO_PASSWORD, DEMO_USERS } from './demo-data';

const LOCK_TTL_SECONDS = 60;

/**
 * Seeds the reference demo's users, DMs and messages once per Redis database. Several processes
 * may start at once: one takes the lock and seeds, the others wait for the "done" marker. Every
 * step is idempotent (existing users are reused, messages carry a clientId), so a seeder that
 * dies half-way is finished by the next one once its lock expires.
 */
@Injectable()
export class SeedService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Seed');
  private readonly owner = randomUUID();
  private ready = false;
  private stopped = false;

  constructor(
    private readonly seed: SeedRepository,
    private readonly users: UsersService,
    private readonly rooms: RoomsService,
    private readonly messages: MessagesRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  /** True once demo data exists (or is switched off); readiness waits for it. */
  isReady(): boolean {
    return this.ready;
  }

  onApplicationBootstrap(): void {
    // Accounts made before the user search index existed become findable.
    this.users.repairSearchIndex().catch((err: Error) => {
      this.logger.warn(`user search index not repaired: ${err.message}`);
    });
    if (!this.config.demoData) {
      this.ready = true;
      return;
    }
    // Not awaited: the HTTP server starts at once and reports "not ready" until seeding is done.
    void this.run();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (await this.seed.isDone()) {
          this.ready = true;
          return;
        }
        if (await this.seed.tryLock(this.owner, LOCK_TTL_SECONDS)) {
          await this.seedAll();
          await this.seed.markDone();
          this.logger.log('demo data seeded');
          this.ready = true;
          return;
        }
      } catch (err) {
        this.logger.warn(`seeding failed, retrying: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async seedAll(): Promise<void> {
    const ids: string[] = [];
    for (const name of DEMO_USERS) {
      const existing = await this.users.findByUsername(name);
      ids.push(existing ? existing.id : (await this.users.register(name, DEMO_PASSWORD)).id);
    }
    const now = Date.now();
    for (let i = 0; i < ids.length; i += 1) {
      for (let j = i + 1; j < ids.length; j += 1) {
        const roomId = dmRoomId(ids[i], ids[j]);
        await this.rooms.openDm(ids[i], ids[j]);
        // One greeting from each side, back-dated by up to 222 s as in the reference demo.
        const dates = [now - randomInt(0, 222_000), now - randomInt(0, 222_000)].sort(
          (a, b) => a - b,
        );
        const senders = randomInt(2) === 0 ? [ids[i], ids[j]] : [ids[j], ids[i]];
        for (let k = 0; k < 2; k += 1) {
          await this.append(
            roomId,
            senders[k],
            DEMO_GREETINGS[randomInt(DEMO_GREETINGS.length)],
            dates[k],
            `seed-${k}`,
          );
        }
      }
    }
    for (let i = 0; i < DEMO_GENERAL_MESSAGES.length; i += 1) {
      const from = ids[randomInt(ids.length)];
      await this.append(
        GENERAL_ROOM_ID,
        from,
        DEMO_GENERAL_MESSAGES[i],
        now - (5 - i) * 200_000,
        `seed-${i}`,
      );
    }
  }

  private async append(roomId: string, from: string, text: string, atMs: number, clientId: string) {
    // Back-dated ids only fit into an empty stream (ids must grow); otherwise let Redis pick.
    const lastDate = await this.lastDateMs(roomId);
    const entryId =
      lastDate === null || lastDate < atMs ? `${Math.max(atMs, (lastDate ?? 0) + 1)}-0` : '*';
    await this.messages.append({
      roomId,
      from,
      text,
      clientId,
      entryId,
      maxLen: this.config.historyMaxPerRoom,
      clientIdTtlSeconds: Limits.clientIdTtlSeconds,
      everyone: roomId === GENERAL_ROOM_ID,
    });
  }

  private async lastDateMs(roomId: string): Promise<number | null> {
    const latest = await this.messages.latest([roomId]);
    const message = latest.get(roomId);
    return message ? Math.round(message.date * 1000) : null;
  }
}
