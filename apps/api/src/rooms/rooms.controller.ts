import { Body, Controller, Get, Post, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RoomsService } from '@app/chat';
import { CreateDmDto, RoomDto } from '@app/contracts';
import type { Response } from 'express';
import { BusService } from '../bus/bus.service';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';

@ApiTags('rooms')
@ApiCookieAuth()
@ApiUnauthorizedResponse({ description: 'No valid session' })
@Controller('api/rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly bus: BusService,
  ) {}

  @Get()
  @ApiOkResponse({ type: [RoomDto], description: "The caller's rooms: General first, then DMs" })
  list(@CurrentUser() user: SessionUser): Promise<RoomDto[]> {
    return this.rooms.roomsOf(user.id);
  }

  @Post('dm')
  @ApiCreatedResponse({ type: RoomDto, description: 'Created; 200 when the DM already existed' })
  @ApiNotFoundResponse({ description: 'Unknown user' })
  async openDm(
    @CurrentUser() user: SessionUser,
    @Body() body: CreateDmDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RoomDto> {
    const { room, created } = await this.rooms.openDm(user.id, body.userId);
    if (created) await this.bus.roomCreated({ room, memberIds: [user.id, body.userId] });
    else res.status(200);
    return room;
  }
}
