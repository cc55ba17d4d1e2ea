import { BeforeApplicationShutdown, Module } from '@nestjs/common';
import { ChatModule as ChatDomainModule, PresenceService } from '@app/chat';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { GatewayMetrics, metricProviders } from '../metrics/gateway.metrics';
import { ChatGateway } from './chat.gateway';
import { SessionRecheck } from './session-recheck';

@Module({
  imports: [ChatDomainModule, PrometheusModule.register({ path: '/metrics' })],
  providers: [ChatGateway, GatewayMetrics, SessionRecheck, ...metricProviders],
})
export class GatewayChatModule implements BeforeApplicationShutdown {
  constructor(
    private readonly gateway: ChatGateway,
    private readonly presence: PresenceService,
  ) {}

  /** SIGTERM: hand sockets to the other replicas; users who reconnect within the grace stay online. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.gateway.drain();
    await this.presence.leave();
  }
}
