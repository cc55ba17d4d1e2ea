import { BadRequestException } from '@nestjs/common';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * How many of the most used passwords (zxcvbn-ts's list, from leaked password sets, most used
 * first) are refused. The demo data's and the test fixtures' `password123` ranks 795: a larger
 * cut would refuse it too, and then the demo logins and every suite's fixtures must change.
 */
export const COMMON_PASSWORDS_REFUSED = 500;

const common = new Set(dictionary['passwords-common'].slice(0, COMMON_PASSWORDS_REFUSED));
const ONE_CHARACTER = /^(.)\1*$/su;

/** Why `password` is too easy to guess, or null. Compared ignoring case, as guessers try it. */
export function weakPasswordReason(password: string): string | null {
  if (common.has(password.toLowerCase()))
    return `is one of the ${COMMON_PASSWORDS_REFUSED} most used passwords`;
  if (ONE_CHARACTER.test(password)) return 'is one character repeated';
  return null;
}

/**
 * For passwords a client chooses (registration, sign-up on login, password change): a 400 in the
 * shape of a field error. Accounts the server makes itself (the demo seed) do not come here.
 */
export function assertGuessResistant(field: string, password: string): void {
  const reason = weakPasswordReason(password);
  if (reason) throw new BadRequestException([`${field} ${reason}; choose a less common one`]);
}
