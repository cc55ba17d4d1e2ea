import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueuesService } from '@app/chat';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { RequiresScope } from '../tokens/token-scope.guard';
import { field, MqBody, valueOf } from './mq-input';

type Command = Record<string, unknown>;
const EMPTY = { error: 'empty queue' };

/** The command of a JSON body, or of RestMQ's form field `body` (or `msg`) holding JSON. */
function commandOf(body: MqBody): Command {
  if (typeof body?.cmd === 'string') return body;
  const raw = field(body, 'body', 'msg');
  let parsed: unknown;
  try {
    parsed = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as Command).cmd !== 'string'
  ) {
    throw new BadRequestException('Malformed JSON: expected {"cmd", "queue", ...}');
  }
  return parsed as Command;
}

/** RestMQ's JSON protocol: add, get (soft), take (hard) and del, one command per request. */
@ApiTags('mq')
@RequiresScope('queues')
@Controller('mq')
export class MqProtocolController {
  constructor(private readonly queues: QueuesService) {}

  @Post('queue')
  @HttpCode(200)
  @ApiOperation({
    summary: 'JSON protocol: {"cmd": "add"|"get"|"take"|"del", "queue", "value"?, "key"?}',
  })
  @ApiOkResponse({
    description:
      '{queue, value, key} (get: + count), {queue, deleted, key}, or {"error": "empty queue"}',
  })
  @ApiBadRequestResponse({ description: 'Malformed JSON or unknown cmd' })
  async run(@CurrentUser() user: SessionUser, @Body() body: MqBody) {
    const command = commandOf(body);
    const queue = field(command, 'queue') ?? '';
    switch (command.cmd) {
      case 'add': {
        const value = valueOf(command);
        return { queue, value, key: await this.queues.add(user.id, queue, value) };
      }
      case 'get': {
        const m = await this.queues.peek(user.id, queue);
        return m ? { queue, value: m.value, key: m.key, count: m.count } : EMPTY;
      }
      case 'take': {
        const m = await this.queues.take(user.id, queue);
        return m ? { queue, value: m.value, key: m.key } : EMPTY;
      }
      case 'del': {
        const key = field(command, 'key') ?? '';
        return { queue, deleted: await this.queues.deleteOne(user.id, queue, key), key };
      }
      default:
        throw new BadRequestException({
          error: 'unknown cmd',
          message: 'cmd must be add, get, take or del',
        });
    }
  }
}
