import { Catch } from '@nestjs/common';
import { ErrorBody, HttpExceptionFilter, toErrorBody } from '../common/http-exception.filter';

/** The reference client shows `error.response.data.message` as text, so it must be a string. */
@Catch()
export class CompatExceptionFilter extends HttpExceptionFilter {
  protected shape(exception: unknown): ErrorBody {
    const body = toErrorBody(exception);
    return Array.isArray(body.message) ? { ...body, message: body.message.join('; ') } : body;
  }
}
