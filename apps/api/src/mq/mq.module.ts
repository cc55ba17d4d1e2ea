import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { urlencoded } from 'express';
import { MqAdminController } from './mq-admin.controller';
import { MqCometController } from './mq-comet.controller';
import { MqController } from './mq.controller';
import { MqProtocolController } from './mq-protocol.controller';
import { MqWsServer } from './mq-ws.server';

/** RestMQ-compatible queues at /mq: RestMQ's clients post forms, so /mq also parses those. */
@Module({
  imports: [ChatModule],
  controllers: [MqController, MqAdminController, MqCometController, MqProtocolController],
  // The WebSocket consumer: app.setup.ts hands it the HTTP server's upgrades under /mq/ws.
  providers: [MqWsServer],
})
export class MqModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Room for a 64 KB value after form encoding; the value itself is checked afterwards.
    consumer.apply(urlencoded({ extended: false, limit: '256kb' })).forRoutes('mq', 'mq/*path');
  }
}
