import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { TokensController } from './tokens.controller';

@Module({
  imports: [ChatModule],
  controllers: [TokensController],
})
export class TokensModule {}
