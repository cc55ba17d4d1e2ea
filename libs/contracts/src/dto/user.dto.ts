import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, Matches } from 'class-validator';
import { Limits } from '../limits';
import { USER_ID_PATTERN } from './validators';

export class UserDto {
  @ApiProperty({ example: '1' }) id: string;
  @ApiProperty({ example: 'Pablo' }) username: string;
  @ApiProperty() online: boolean;
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
