import { Module } from '@nestjs/common';
import { ChatModule, SeedService } from '@app/chat';

/** Demo data at boot (DEMO_DATA); readiness waits for it. */
@Module({
  imports: [ChatModule],
  providers: [SeedService],
  exports: [SeedService],
})
export class SeedModule {}
