import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { AuthModule } from '../auth/auth.module';
import { CompatController } from './compat.controller';

@Module({
  imports: [ChatModule, AuthModule],
  controllers: [CompatController],
})
export class CompatModule {}
