import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { EventSubscriptions, MessagesService, SessionIdentity } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { checkSync, SyncDto, SyncRoomResult } from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { RequiresScope } from '../tokens/token-scope.guard';
import { SseStream } from './sse-stream';

/**
 * Realtime without WebSocket, for scripts, serverless functions and networks that block it:
 * the caller's socket events as Server-Sent Events, and the socket's `sync` as a POST.
 */
@ApiTags('events')
@RequiresScope('messages:read')
@Controller('api')
export class EventsController {
  constructor(
    private readonly subscriptions: EventSubscriptions,
    private readonly messages: MessagesService,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  @Get('events')
  @ApiOperation({
    summary: "The caller's socket events as Server-Sent Events",
    description:
      'Exactly the events a socket of this session gets (names as on the socket), as ' +
      '`event: <name>` + `data: <json>`, with a `: keep-alive` comment at least every 25 s. ' +
      'Membership changes apply at once; a revoked session or API token gets `session.revoked` ' +
      'and the stream ends. Catch up after a reconnect with POST /api/sync. No query string: ' +
      'tokens never travel in URLs.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The event stream, open until either side closes it' })
  @ApiBadRequestResponse({ description: 'A query string (a token in the URL) was sent' })
  @ApiTooManyRequestsResponse({ description: 'Too many open streams for this account' })
  async events(
    @CurrentUser() user: SessionUser,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    if (Object.keys(req.query as object).length > 0) {
      throw new BadRequestException(
        'GET /api/events takes no query parameters: send the session cookie or Authorization: Bearer; tokens never travel in URLs',
      );
    }
    const { keepAliveSeconds, maxBufferBytes } = this.config.sse;
    const stream = new SseStream(res, { keepAliveMs: keepAliveSeconds * 1000, maxBufferBytes });
    const subscription = await this.subscriptions.subscribe(identityOf(req, user), stream);
    if (!subscription)
      throw new ServiceUnavailableException('Events are unavailable, retry shortly');
    if (stream.closed) return subscription.close();
    stream.start(() => subscription.close());
  }

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({
    summary: "What the caller missed in their rooms since each cursor (the socket's `sync`)",
    description:
      'The same rules and answer as the socket event `sync`, without `ok`: per room the ' +
      'messages after the cursor (a message id, or "0" for the start), whether that is all, ' +
      'and the messages changed since.',
  })
  @ApiBody({ type: SyncDto })
  @ApiOkResponse({ description: '`{rooms: {<roomId>: {messages, complete, updates}}}`' })
  @ApiBadRequestResponse({
    description: 'Malformed cursors (the socket answers `bad_request` with the same message)',
  })
  async sync(
    @CurrentUser() user: SessionUser,
    @Body() body: unknown,
  ): Promise<{ rooms: Record<string, SyncRoomResult> }> {
    const cursors = checkSync(body);
    if (typeof cursors === 'string') throw new BadRequestException(cursors);
    return { rooms: await this.messages.sync(user.id, cursors) };
  }
}

/** The session a stream belongs to: revoking it (or the API token) ends the stream. */
function identityOf(req: FastifyRequest, user: SessionUser): SessionIdentity {
  // SessionGuard resolved it (session or API token, `apitoken:<user>:<id>`) before the handler.
  const principal = req.principal;
  if (principal?.userId !== user.id) throw new UnauthorizedException('Authentication required');
  return principal;
}
