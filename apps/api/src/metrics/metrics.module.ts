import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      // Process metrics (CPU, memory, event-loop lag) are registered once per process; tests boot
      // several apps in one process.
      defaultMetrics: {
        enabled: register.getSingleMetric('process_cpu_user_seconds_total') === undefined,
      },
    }),
  ],
})
export class MetricsModule {}
