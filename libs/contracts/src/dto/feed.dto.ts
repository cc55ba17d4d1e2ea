import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { Limits } from '../limits';
import type { Message } from '../models';

export class CreateFeedDto {
  @ApiProperty({
    example: 'echo-bot',
    description: "One of the caller's /mq queues (created by the first message if it is new)",
  })
  @IsString()
  @Matches(Limits.queueNamePattern, { message: 'queue must be 1-64 letters, digits, _ . or -' })
  queue: string;
}

export class FeedDto {
  @ApiProperty({ example: '0' }) roomId: string;
  @ApiProperty({ example: 'echo-bot' }) queue: string;
  @ApiProperty({ example: 1767225600000, description: 'Created (ms since the epoch)' })
  created: number;
}

/** What a room feed adds to its queue, as the JSON text of one value. */
export type FeedItem =
  | { type: 'message'; message: Message }
  | { type: 'update'; roomId: string; seq: number; message: Message };
