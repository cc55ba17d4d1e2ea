import { BadRequestException } from '@nestjs/common';
import { weakPasswordReason } from '@app/chat';

/**
 * For passwords a client chooses (registration, sign-up on login, password change): a 400 in the
 * shape of a field error. Accounts the server makes itself (the demo seed) do not come here.
 */
export function assertGuessResistant(field: string, password: string): void {
  const reason = weakPasswordReason(password);
  if (reason) throw new BadRequestException([`${field} ${reason}; choose a less common one`]);
}
