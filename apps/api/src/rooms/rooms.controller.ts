import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { MembershipService, RoomsService } from '@app/chat';
import {
  AddMemberDto,
  CreateDmDto,
  CreateRoomDto,
  DirectoryPageDto,
  DirectoryQueryDto,
  Limits,
  MembersPageDto,
  PageQueryDto,
  RoomDto,
  RoomMemberDto,
  SetRoleDto,
  UpdateRoomDto,
} from '@app/contracts';
import type { FastifyReply } from 'fastify';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { RoomIdPipe } from '../common/validation.pipe';

const ROOM_ID = { name: 'id', description: 'Room id: "0", a DM id "a:b", or a room id' };

@ApiTags('rooms')
@ApiCookieAuth()
@ApiUnauthorizedResponse({ description: 'No valid session' })
@ApiBadRequestResponse({ description: 'Malformed body or query' })
@Controller('api/rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly membership: MembershipService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's rooms: General, then DMs, then group rooms by name" })
  @ApiOkResponse({ type: [RoomDto] })
  list(@CurrentUser() user: SessionUser): Promise<RoomDto[]> {
    return this.rooms.roomsOf(user.id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a public or private room; the caller is its owner' })
  @ApiCreatedResponse({ type: RoomDto })
  @ApiConflictResponse({ description: 'A public room with this name exists (ignoring case)' })
  create(@CurrentUser() user: SessionUser, @Body() body: CreateRoomDto): Promise<RoomDto> {
    return this.rooms.create(user.id, body);
  }

  @Get('directory')
  @ApiOperation({ summary: 'Public rooms by name, with a case-insensitive prefix search' })
  @ApiOkResponse({ type: DirectoryPageDto })
  directory(
    @CurrentUser() user: SessionUser,
    @Query() query: DirectoryQueryDto,
  ): Promise<DirectoryPageDto> {
    return this.rooms.directory(
      user.id,
      query.q ?? '',
      query.cursor,
      query.limit ?? Limits.listPageDefault,
    );
  }

  @Post('dm')
  @ApiOperation({
    summary: 'Open (or find) the DM with a user, by id or by username; it appears live for both',
  })
  @ApiCreatedResponse({ type: RoomDto, description: 'Created; 200 when the DM already existed' })
  @ApiNotFoundResponse({ description: 'Unknown user' })
  async openDm(
    @CurrentUser() user: SessionUser,
    @Body() body: CreateDmDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<RoomDto> {
    const { room, created } = await this.rooms.openDm(user.id, body);
    if (!created) res.code(200);
    return room;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One room as the caller sees it' })
  @ApiParam(ROOM_ID)
  @ApiOkResponse({ type: RoomDto })
  @ApiForbiddenResponse({ description: 'Not a member' })
  @ApiNotFoundResponse({ description: 'Unknown room' })
  get(@CurrentUser() user: SessionUser, @Param('id', RoomIdPipe) roomId: string): Promise<RoomDto> {
    return this.rooms.get(user.id, roomId);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a room or change its topic (admins)' })
  @ApiParam(ROOM_ID)
  @ApiOkResponse({ type: RoomDto })
  @ApiForbiddenResponse({ description: 'Not an admin of the room' })
  @ApiConflictResponse({ description: 'Name taken, or General / a DM' })
  update(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Body() body: UpdateRoomDto,
  ): Promise<RoomDto> {
    return this.rooms.update(user.id, roomId, body);
  }

  @Post(':id/join')
  @HttpCode(200)
  @ApiOperation({ summary: 'Join a public room' })
  @ApiParam(ROOM_ID)
  @ApiOkResponse({ type: RoomDto })
  @ApiForbiddenResponse({ description: 'A private room or a DM' })
  @ApiNotFoundResponse({ description: 'Unknown room' })
  join(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
  ): Promise<RoomDto> {
    return this.membership.join(user.id, roomId);
  }

  @Post(':id/leave')
  @HttpCode(204)
  @ApiOperation({ summary: 'Leave a room' })
  @ApiParam(ROOM_ID)
  @ApiNoContentResponse({ description: 'Left; your sockets leave the room on every gateway' })
  @ApiConflictResponse({ description: 'General, a DM, or the owner (hand ownership over first)' })
  async leave(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
  ): Promise<void> {
    await this.membership.leave(user.id, roomId);
  }

  @Get(':id/members')
  @ApiOperation({ summary: "A page of the room's members with their roles (members only)" })
  @ApiParam(ROOM_ID)
  @ApiOkResponse({ type: MembersPageDto })
  @ApiForbiddenResponse({ description: 'Not a member' })
  members(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Query() query: PageQueryDto,
  ): Promise<MembersPageDto> {
    return this.membership.members(
      user.id,
      roomId,
      query.cursor,
      query.limit ?? Limits.listPageDefault,
    );
  }

  @Post(':id/members')
  @ApiOperation({ summary: 'Add someone (public room: any member; private room: admins)' })
  @ApiParam(ROOM_ID)
  @ApiCreatedResponse({ description: 'Added now (200 when already a member)' })
  @ApiForbiddenResponse({ description: 'Not allowed to add to this room' })
  @ApiNotFoundResponse({ description: 'Unknown room or user' })
  async add(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Body() body: AddMemberDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<void> {
    const { added } = await this.membership.add(user.id, roomId, body.userId);
    res.code(added ? 201 : 200);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member ("kick"; admins, never the owner)' })
  @ApiParam(ROOM_ID)
  @ApiNoContentResponse({ description: 'Removed; their sockets leave the room within a second' })
  @ApiForbiddenResponse({ description: 'Not an admin, or the target is the owner' })
  async remove(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Param('userId') userId: string,
  ): Promise<void> {
    await this.membership.remove(user.id, roomId, userId);
  }

  @Put(':id/members/:userId')
  @ApiOperation({ summary: "Change a member's role (owner); `owner` hands ownership over" })
  @ApiParam(ROOM_ID)
  @ApiOkResponse({ type: RoomMemberDto })
  @ApiForbiddenResponse({ description: 'Not the owner' })
  setRole(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Param('userId') userId: string,
    @Body() body: SetRoleDto,
  ): Promise<RoomMemberDto> {
    return this.membership.setRole(user.id, roomId, userId, body.role);
  }
}
