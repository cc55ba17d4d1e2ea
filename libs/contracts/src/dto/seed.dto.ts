import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { Limits } from '../limits';
import { USER_ID_PATTERN } from './validators';

/** Reference-client routes (docs/reference-client.md). */
export class SeedCreateRoomDto {
  @ApiProperty({ example: '1' })
  @Type(() => String)
  @Matches(USER_ID_PATTERN, { message: 'user1 must be a user id' })
  user1: string;

  @ApiProperty({ example: '2' })
  @Type(() => String)
  @Matches(USER_ID_PATTERN, { message: 'user2 must be a user id' })
  user2: string;
}

export class SeedMessagesQueryDto {
  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @Min(0)
  @Max(Limits.seedOffsetMax, {
    message: `offset must be at most ${Limits.seedOffsetMax}; page further back with /api/rooms/:id/messages?before=`,
  })
  @IsInt() // checked first (bottom-up): one error per field
  offset?: number;

  @ApiPropertyOptional({ default: 15 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(Limits.seedPageMax)
  @IsInt()
  size?: number;
}
