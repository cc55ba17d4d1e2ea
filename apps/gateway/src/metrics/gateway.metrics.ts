import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

export const metricProviders = [
  makeGaugeProvider({
    name: 'parley_gateway_connections',
    help: 'Authenticated sockets on this gateway',
  }),
  makeCounterProvider({
    name: 'parley_gateway_events_total',
    help: 'Client events handled, by event and ack result',
    labelNames: ['event', 'result'],
  }),
  makeCounterProvider({
    name: 'parley_gateway_broadcasts_total',
    help: 'Broadcasts started by this gateway, by event',
    labelNames: ['event'],
  }),
];

@Injectable()
export class GatewayMetrics {
  constructor(
    @InjectMetric('parley_gateway_connections') readonly connections: Gauge<string>,
    @InjectMetric('parley_gateway_events_total') readonly events: Counter<'event' | 'result'>,
    @InjectMetric('parley_gateway_broadcasts_total') readonly broadcasts: Counter<'event'>,
  ) {}
}
