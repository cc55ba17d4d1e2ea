import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { MqAdminController } from './mq-admin.controller';
import { MqCometController } from './mq-comet.controller';
import { MqController } from './mq.controller';
import { MqProtocolController } from './mq-protocol.controller';
import { MqWsServer } from './mq-ws.server';

/** RestMQ-compatible queues at /mq (RestMQ's clients post forms: common/body-parser.ts reads those). */
@Module({
  imports: [ChatModule],
  controllers: [MqController, MqAdminController, MqCometController, MqProtocolController],
  // The WebSocket consumer: app.setup.ts hands it the HTTP server's upgrades under /mq/ws.
  providers: [MqWsServer],
})
export class MqModule {}
