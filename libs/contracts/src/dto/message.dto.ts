import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from '../limits';
import {
  CLIENT_ID_MESSAGE,
  CLIENT_ID_PATTERN,
  IsChatText,
  IsHistoryCursor,
  IsMessageId,
} from './validators';

export class ReactionDto {
  @ApiProperty({ example: '👍', description: 'One grapheme cluster, at most 32 bytes' })
  emoji: string;
  @ApiProperty({ example: 3 }) count: number;
  @ApiProperty({ type: [String], example: ['1', '4'], description: 'The first 20 reactors' })
  userIds: string[];
}

export class MessageDto {
  @ApiProperty({ example: '1763784000123-0' }) id: string;
  @ApiProperty({ example: '0' }) roomId: string;
  @ApiProperty({ example: '1', description: 'Sender user id, set by the server' }) from: string;
  @ApiProperty({ description: 'Text exactly as sent' }) message: string;
  @ApiProperty({ example: 1763784000.123, description: 'Unix seconds, millisecond precision' })
  date: number;
  @ApiProperty({ example: 42, description: 'Gap-free position in the room' }) seq: number;
  @ApiPropertyOptional() clientId?: string;
  @ApiPropertyOptional({ example: 1763784060.5, description: 'Last edit (unix seconds)' })
  editedAt?: number;
  @ApiPropertyOptional({ enum: [true], description: 'Deleted: `message` is then ""' })
  deleted?: true;
  @ApiPropertyOptional({
    type: [ReactionDto],
    description: "Absent when none; in order of each emoji's first reaction",
  })
  reactions?: ReactionDto[];
  @ApiPropertyOptional({
    enum: [true],
    description: 'Only in the answer to a send: the clientId was seen before, nothing new stored',
  })
  replayed?: true;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto], description: 'Oldest first' }) messages: MessageDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Pass as `before` for the older page; null on the oldest page and on `after` pages',
  })
  nextBefore: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'Only on `after` pages: pass as `after` for the newer page; null once at the newest',
  })
  nextAfter?: string | null;
}

export class SendMessageDto {
  @ApiProperty({
    description: `1–${Limits.messageMaxCodePoints} characters, not only white space or invisible characters`,
  })
  @IsChatText()
  message: string;

  @ApiPropertyOptional({
    maxLength: Limits.clientIdMaxLength,
    description: 'Idempotency key (per user and room, kept 24 h)',
  })
  @IsOptional()
  @IsString()
  @Matches(CLIENT_ID_PATTERN, { message: CLIENT_ID_MESSAGE })
  @MaxLength(Limits.clientIdMaxLength)
  clientId?: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ description: 'Return messages older than this message id' })
  @IsOptional()
  @IsMessageId({ message: 'before must be a message id' })
  before?: string;

  @ApiPropertyOptional({
    description: 'Return messages newer than this message id ("0": from the first), oldest first',
  })
  @IsOptional()
  @IsHistoryCursor({ message: 'after must be "0" or a message id' })
  after?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: Limits.historyPageMax,
    default: Limits.historyPageDefault,
  })
  @IsOptional()
  @Type(() => Number)
  // class-validator checks bottom-up and reports the first failure: the type check goes last.
  @Min(1)
  @Max(Limits.historyPageMax)
  @IsInt({ message: 'limit must be an integer' })
  limit?: number;
}
