import {
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  PipeTransform,
  ValidationPipe,
} from '@nestjs/common';
import { isRoomId, ROOM_ID_MESSAGE } from '@app/contracts';

/**
 * Input validation for every route. Each field reports its first problem only (`limit=abc` is
 * "not an integer", not also "below 1" and "above 100"). Unknown body fields are dropped (older
 * clients send extra ones), but an unknown query parameter is a 400: `?after=1` on a route
 * without `after` would otherwise quietly answer something else than what was asked.
 */
@Injectable()
export class ApiValidationPipe implements PipeTransform {
  private readonly body = new ValidationPipe({
    whitelist: true,
    transform: true,
    stopAtFirstError: true,
  });
  private readonly query = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
  });

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    return (metadata.type === 'query' ? this.query : this.body).transform(value, metadata);
  }
}

/**
 * A room id in the path: one that can never exist ("99", "abc") is the same 400 the socket
 * answers with (`bad_request`, same text); a well-formed id of no room goes on to the 404.
 */
@Injectable()
export class RoomIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isRoomId(value)) throw new BadRequestException([ROOM_ID_MESSAGE]);
    return value;
  }
}
