import { Global, Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { busTransportOptions } from '@app/redis';
import { BUS_CLIENT } from './bus.constants';
import { BusService } from './bus.service';

@Global()
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: BUS_CLIENT,
        inject: [PARLEY_CONFIG],
        useFactory: (config: ParleyConfig) => busTransportOptions(config.redis),
      },
    ]),
  ],
  providers: [BusService],
  exports: [BusService],
})
export class BusModule {}
