import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { SeedService } from './seed.service';

@Module({
  imports: [ChatModule],
  providers: [SeedService],
  exports: [SeedService],
})
export class SeedModule {}
