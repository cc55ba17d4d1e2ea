import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { Limits } from '../limits';

/** What an API token may do; a session (cookie or login token) may do everything. */
export const API_TOKEN_SCOPES = [
  'messages:read',
  'messages:write',
  'rooms:read',
  'rooms:write',
  'queues',
] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

export class CreateApiTokenDto {
  @ApiProperty({ example: 'ci-bot', description: `1-${Limits.apiTokenNameMaxLength} characters` })
  @IsString()
  @Length(1, Limits.apiTokenNameMaxLength)
  name: string;

  @ApiProperty({ enum: API_TOKEN_SCOPES, isArray: true, example: ['messages:write', 'queues'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_TOKEN_SCOPES.length)
  @IsIn(API_TOKEN_SCOPES, {
    each: true,
    message: `each scope must be one of ${API_TOKEN_SCOPES.join(', ')}`,
  })
  scopes: ApiTokenScope[];

  @ApiPropertyOptional({
    example: 30,
    description: `Days until the token stops working (1-${Limits.apiTokenMaxDays}); absent: never`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Limits.apiTokenMaxDays)
  expiresInDays?: number;
}

export class ApiTokenDto {
  @ApiProperty({ example: 'k3q9x2mv7c' }) id: string;
  @ApiProperty({ example: 'ci-bot' }) name: string;
  @ApiProperty({ enum: API_TOKEN_SCOPES, isArray: true }) scopes: ApiTokenScope[];
  @ApiProperty({ example: 1767225600000, description: 'Created (ms since the epoch)' })
  created: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Expires (ms since the epoch); null: never',
  })
  expiresAt: number | null;
}

export class CreatedApiTokenDto extends ApiTokenDto {
  @ApiProperty({
    example: 'prl_6wS0sY0m1nQ1dQ2b3f4g5h6j7k8l9z0x1c2v3b4n5m6',
    description: 'The secret: shown this once, stored only as a hash',
  })
  token: string;
}
