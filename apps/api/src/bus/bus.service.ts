import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  BusEvents,
  MessageCreatedEvent,
  RoomCreatedEvent,
  SessionRevokedEvent,
} from '@app/contracts';
import { lastValueFrom } from 'rxjs';
import { BUS_CLIENT } from './bus.constants';

/**
 * Publishes domain events to the gateways over the Nest Redis transport. Every gateway replica
 * receives each event and emits it to its own sockets only.
 */
@Injectable()
export class BusService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Bus');

  constructor(@Inject(BUS_CLIENT) private readonly client: ClientProxy) {}

  async onApplicationBootstrap() {
    await this.client.connect();
  }

  async onApplicationShutdown() {
    await this.client.close();
  }

  messageCreated(event: MessageCreatedEvent) {
    return this.publish(BusEvents.MessageCreated, event);
  }

  roomCreated(event: RoomCreatedEvent) {
    return this.publish(BusEvents.RoomCreated, event);
  }

  sessionRevoked(event: SessionRevokedEvent) {
    return this.publish(BusEvents.SessionRevoked, event);
  }

  /**
   * The state change is already stored when this runs; a failed publish is logged, not thrown.
   * Clients recover a missed message through its seq gap and `sync`.
   */
  private async publish(pattern: string, data: object): Promise<void> {
    try {
      await lastValueFrom(this.client.emit(pattern, data), { defaultValue: undefined });
    } catch (err) {
      this.logger.warn(`publish ${pattern} failed: ${(err as Error).message}`);
    }
  }
}
