import { Global, Module } from '@nestjs/common';
import { ClientsModule, RedisOptions, Transport } from '@nestjs/microservices';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { redisOptionsFromUrl } from '@app/redis';
import { BUS_CLIENT } from './bus.constants';
import { BusService } from './bus.service';

@Global()
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: BUS_CLIENT,
        inject: [PARLEY_CONFIG],
        useFactory: (config: ParleyConfig): RedisOptions => ({
          transport: Transport.REDIS,
          options: {
            ...redisOptionsFromUrl(config.redisUrl),
            // Without retryAttempts the Nest client stops reconnecting after the first outage.
            retryAttempts: Number.MAX_SAFE_INTEGER,
            retryDelay: 1000,
          } as RedisOptions['options'],
        }),
      },
    ]),
  ],
  providers: [BusService],
  exports: [BusService],
})
export class BusModule {}
