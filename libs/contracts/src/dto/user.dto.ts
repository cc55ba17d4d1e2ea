import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import type { StatusSetting, UserStatus } from '../models';
import { Limits } from '../limits';
import { IsStatusText, USER_ID_PATTERN } from './validators';

export class UserDto {
  @ApiProperty({ example: '1' }) id: string;
  @ApiProperty({ example: 'Pablo' }) username: string;
  @ApiProperty() online: boolean;
  @ApiProperty({
    enum: ['online', 'away', 'dnd', 'offline'],
    description: 'Invisible shows as offline',
  })
  status: UserStatus;
  @ApiProperty({ example: 'In a meeting' }) statusText: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: "Unix seconds of the last connection's close; null while online",
  })
  lastSeen: number | null;
}

const STATUS_SETTINGS: StatusSetting[] = ['online', 'away', 'dnd', 'invisible'];

export class SetStatusDto {
  @ApiProperty({ enum: STATUS_SETTINGS })
  @IsIn(STATUS_SETTINGS, { message: 'status must be one of online, away, dnd, invisible' })
  status: StatusSetting;

  @ApiPropertyOptional({
    example: 'In a meeting',
    description: `At most ${Limits.statusTextMaxLength} characters`,
  })
  @IsOptional()
  @IsStatusText()
  text?: string;
}

export class OwnStatusDto {
  @ApiProperty({ enum: STATUS_SETTINGS }) status: StatusSetting;
  @ApiProperty({ example: '' }) text: string;
}

/** Accepts `?ids=1,2,3`, `?ids=1&ids=2` and `?ids[]=1&ids[]=2` (axios' style). */
export function toIdList({ value }: { value: unknown }): unknown {
  if (value === undefined) return undefined;
  const raw: unknown[] = Array.isArray(value)
    ? value
    : typeof value === 'object' && value !== null
      ? Object.values(value)
      : [value];
  if (raw.length > Limits.userIdsMax) return raw; // ArrayMaxSize reports it
  return raw.flatMap((v) => (typeof v === 'string' ? v.split(',') : [v])).filter((v) => v !== '');
}

export class UsersQueryDto {
  @ApiPropertyOptional({
    description: `User ids, comma separated or repeated (at most ${Limits.userIdsMax})`,
    example: '1,2,3',
    type: String,
  })
  @IsOptional()
  @Transform(toIdList)
  @IsArray()
  @ArrayMaxSize(Limits.userIdsMax)
  @Matches(USER_ID_PATTERN, { each: true, message: 'each id must be a decimal user id' })
  ids?: string[];
}

/** A `:userId` path segment. */
export class UserIdParamDto {
  @ApiProperty({ example: '2' })
  @Matches(USER_ID_PATTERN, { message: 'userId must be a decimal user id' })
  userId: string;
}
