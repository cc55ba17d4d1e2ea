import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { Limits } from '../limits';
import type { RoomKind, RoomRole } from '../models';
import { UserDto } from './user.dto';
import { IsRoomName, IsRoomTopic, USER_ID_PATTERN } from './validators';

export class RoomDto {
  @ApiProperty({
    example: 'gq3v7c2kx9m4tb8wz',
    description: '"0" is General; a DM between users a<b is "a:b"; other rooms have opaque ids',
  })
  id: string;
  @ApiProperty({ enum: ['public', 'private', 'dm'] }) kind: RoomKind;
  @ApiProperty({
    type: [String],
    example: ['Pablo', 'Joe'],
    description: "v1: the room's name, or a DM's two usernames",
  })
  names: string[];
  @ApiProperty({ example: 'design', description: "For a DM: the other member's username" })
  name: string;
  @ApiProperty({ example: 'Everything about the new logo' }) topic: string;
  @ApiProperty({ type: String, nullable: true, example: '1' }) createdBy: string | null;
  @ApiProperty({ example: 12 }) memberCount: number;
  @ApiPropertyOptional({
    enum: ['owner', 'admin', 'member'],
    description: "The caller's role; absent when the caller is not a member",
  })
  role?: RoomRole;
  @ApiProperty({
    example: 42,
    description: "The room's newest seq, messages and changes (0: nothing yet)",
  })
  lastSeq: number;
  @ApiPropertyOptional({
    example: 40,
    description: "The caller's read marker; absent for non-members and in broadcasts",
  })
  readSeq?: number;
  @ApiPropertyOptional({
    example: 1,
    description: "Other members' messages after readSeq (edits and reactions do not count)",
  })
  unread?: number;
}

/** The other member of a DM: by id or by username, exactly one of them. */
export class CreateDmDto {
  @ApiPropertyOptional({ example: '2', description: "The other user's id (or give username)" })
  @ValidateIf((dto: CreateDmDto) => dto.username === undefined || dto.userId !== undefined)
  @Matches(USER_ID_PATTERN, { message: 'userId must be a decimal user id' })
  @IsString({ message: 'userId or username is required' })
  userId?: string;

  @ApiPropertyOptional({ example: 'Joe', description: "The other user's name, any case" })
  @ValidateIf((dto: CreateDmDto) => dto.username !== undefined)
  @Matches(Limits.usernamePattern, { message: 'username must be a username' })
  @IsString()
  username?: string;
}

export class CreateRoomDto {
  @ApiProperty({ example: 'design', description: `1-${Limits.roomNameMaxLength} characters` })
  @IsRoomName()
  name: string;

  @ApiProperty({ enum: ['public', 'private'] })
  @IsIn(['public', 'private'], { message: 'kind must be "public" or "private"' })
  kind: 'public' | 'private';

  @ApiPropertyOptional({
    example: '',
    description: `At most ${Limits.roomTopicMaxLength} characters`,
  })
  @IsOptional()
  @IsRoomTopic()
  topic?: string;
}

export class UpdateRoomDto {
  @ApiPropertyOptional({ example: 'design-team' })
  @IsOptional()
  @IsRoomName()
  name?: string;

  @ApiPropertyOptional({ example: 'Logo, colours and type' })
  @IsOptional()
  @IsRoomTopic()
  topic?: string;
}

export class AddMemberDto {
  @ApiProperty({ example: '3' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must be a decimal user id' })
  userId: string;
}

export class SetRoleDto {
  @ApiProperty({ enum: ['owner', 'admin', 'member'], description: '`owner` hands ownership over' })
  @IsIn(['owner', 'admin', 'member'], { message: 'role must be "owner", "admin" or "member"' })
  role: RoomRole;
}

/** Cursor paging shared by the directory, members and user search. */
export class PageQueryDto {
  @ApiPropertyOptional({ description: "From the previous page's `nextCursor`" })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'cursor must come from a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: Limits.listPageMax, default: Limits.listPageDefault })
  @IsOptional()
  @Type(() => Number)
  // class-validator checks bottom-up and reports the first failure: the type check goes last.
  @Min(1)
  @Max(Limits.listPageMax)
  @IsInt({ message: 'limit must be an integer' })
  limit?: number;
}

export class DirectoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Name prefix, case-insensitive', example: 'des' })
  @IsOptional()
  @IsString()
  @Matches(/^\P{Cc}{0,80}$/u, { message: 'q must be at most 80 printable characters' })
  q?: string;
}

export class UserSearchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Username prefix, case-insensitive', example: 'pa' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{0,32}$/, { message: 'q must be a username prefix' })
  q?: string;
}

export class RoomMemberDto {
  @ApiProperty({ type: UserDto }) user: UserDto;
  @ApiProperty({ enum: ['owner', 'admin', 'member'] }) role: RoomRole;
}

export class DirectoryPageDto {
  @ApiProperty({ type: [RoomDto], description: 'Public rooms by name' }) rooms: RoomDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class MembersPageDto {
  @ApiProperty({ type: [RoomMemberDto] }) members: RoomMemberDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class UsersPageDto {
  @ApiProperty({ type: [UserDto], description: 'By username, case-insensitively' })
  users: UserDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
