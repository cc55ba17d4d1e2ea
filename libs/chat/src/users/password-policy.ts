import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * How many of the most used passwords (zxcvbn-ts's list, from leaked password sets, most used
 * first) are refused. The demo data's and the test fixtures' `password123` ranks 795: a larger
 * cut would refuse it too, and then the demo logins and every suite's fixtures must change.
 */
export const COMMON_PASSWORDS_REFUSED = 500;

const common = new Set(dictionary['passwords-common'].slice(0, COMMON_PASSWORDS_REFUSED));
const ONE_CHARACTER = /^(.)\1*$/su;

/**
 * Why `password` is too easy to guess, or null. Compared ignoring case, as guessers try it. For
 * passwords a client chooses (the API's registration and password change, the line door's
 * sign-up); accounts the server makes itself (the demo seed) are not checked.
 */
export function weakPasswordReason(password: string): string | null {
  if (common.has(password.toLowerCase()))
    return `is one of the ${COMMON_PASSWORDS_REFUSED} most used passwords`;
  if (ONE_CHARACTER.test(password)) return 'is one character repeated';
  return null;
}
