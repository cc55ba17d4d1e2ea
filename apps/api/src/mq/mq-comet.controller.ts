import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { assertQueueName, QueueConsumers } from '@app/chat';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { takeOver } from '../common/http';
import { NoReadLimit } from '../common/read-rate.guard';
import { RequiresScope } from '../tokens/token-scope.guard';

/**
 * RestMQ's comet consumer: one long response, a `{"key","value"}` line per message, each message
 * taken from the queue as it is written. Any API process serves it; messages added on another
 * process wake it through Redis.
 */
@ApiTags('mq')
@RequiresScope('queues')
@NoReadLimit()
@Controller('mq')
export class MqCometController {
  constructor(private readonly consumers: QueueConsumers) {}

  @Get('c/:queue')
  @ApiOperation({ summary: 'Comet: a chunked text/plain stream of the queue, consumed as sent' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'One `{"key","value"}` + CRLF per message, until either side closes',
  })
  async comet(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    assertQueueName(queue);
    // The response is taken over at the first line or once the consumer is registered, not
    // before: a failure to register (Redis away) still answers in the API's error shape.
    let res: ServerResponse | undefined;
    const open = (): ServerResponse =>
      (res ??= takeOver(reply, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
      }));
    let closed = false;
    reply.raw.on('close', () => (closed = true));
    const detach = await this.consumers.attach(user.id, queue, {
      send: (message) => {
        if (closed) return false;
        open().write(`${JSON.stringify(message)}\r\n`);
        return true;
      },
      close: () => open().end(),
    });
    if (closed) return detach();
    reply.raw.on('close', detach);
    // Headers go out once the consumer is registered: a client may add right after it sees them.
    open().flushHeaders();
  }
}
