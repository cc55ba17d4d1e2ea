import { registerDecorator, ValidationOptions } from 'class-validator';
import { Limits } from '../limits';

export const MESSAGE_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;
/** "0" (General), a DM "a:b", or a group room's opaque id ("g" and 16 base-32 characters). */
export const ROOM_ID_PATTERN = /^(0|[1-9]\d{0,15}:[1-9]\d{0,15}|g[a-z2-7]{16})$/;
export const GROUP_ROOM_ID_PATTERN = /^g[a-z2-7]{16}$/;
export const ROOM_ID_MESSAGE = 'roomId must be "0", a DM id "a:b" or a room id';
/** clientId: 1-64 printable ASCII characters. */
export const CLIENT_ID_PATTERN = /^[\x21-\x7e]{1,64}$/;
export const CLIENT_ID_MESSAGE = 'clientId must be 1-64 printable ASCII characters';
export const USER_ID_PATTERN = /^[1-9]\d{0,15}$/;

/** Redis stream ids are two unsigned 64-bit numbers; a larger part is refused by Redis itself. */
const STREAM_ID_PART_MAX = BigInt('18446744073709551615');

/** A message id (Redis stream id `<ms>-<n>`) that Redis accepts: the pattern and 64-bit parts. */
export function isMessageId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    MESSAGE_ID_PATTERN.test(value) &&
    value.split('-').every((part) => BigInt(part) <= STREAM_ID_PART_MAX)
  );
}

export function IsMessageId(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isMessageId',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a message id', ...options },
      validator: { validate: (value: unknown) => isMessageId(value) },
    });
}

/** Chat text: 1..4000 Unicode code points, at least one of them visible. */
export function IsChatText(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isChatText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must be 1 to ${Limits.messageMaxCodePoints} characters of valid Unicode and not only white space or invisible characters`,
        ...options,
      },
      validator: { validate: isChatText },
    });
}

const LONE_SURROGATE = /\p{Cs}/u;
/**
 * A character that shows: not white space, not one of Unicode's default-ignorable characters
 * (zero-width spaces and joiners, BOM, bidi controls, variation selectors, soft hyphen, Hangul
 * fillers, tag characters), not a control or format character, not the blank Braille pattern. One
 * scan that stops at the first such character, so the gateway's hot path stays cheap.
 */
const VISIBLE = /[^\s\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\u2800]/u;

/**
 * 1..4000 code points, some of them visible (a text of white space and invisible characters
 * shows as an empty bubble), and valid Unicode: a lone surrogate cannot be stored as UTF-8, so it
 * would come back changed ("text exactly as sent" would not hold).
 */
export function isChatText(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > Limits.messageMaxCodePoints * 2) return false;
  // Count code points without building an array.
  let count = 0;
  for (const _ of value) {
    count += 1;
    if (count > Limits.messageMaxCodePoints) return false;
  }
  return count > 0 && VISIBLE.test(value) && !LONE_SURROGATE.test(value);
}
const utf8 = new TextEncoder();

/**
 * A well-formed string of `min`..`max` UTF-8 bytes (bcrypt reads at most 72). Unlike class-validator's
 * IsByteLength, a lone surrogate (possible in JSON: "\ud800") is a plain validation failure, not
 * a thrown URIError (which would surface as a 500).
 */
export function IsUtf8ByteLength(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUtf8ByteLength',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be ${min} to ${max} bytes`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || LONE_SURROGATE.test(value)) return false;
          // Four bytes per UTF-16 unit at most: skip encoding huge inputs.
          if (value.length > max * 4) return false;
          const bytes = utf8.encode(value).length;
          return bytes >= min && bytes <= max;
        },
      },
    });
}

const CONTROL = /[\p{Cc}\p{Cs}]/u;

/** Room names: 1..80 characters, no control characters, not only white space. */
export function isRoomName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.trim().length > 0 &&
    [...value].length <= Limits.roomNameMaxLength &&
    !CONTROL.test(value)
  );
}

/** Topics: at most 250 characters, newlines allowed, no other control characters. */
export function isRoomTopic(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    [...value].length <= Limits.roomTopicMaxLength &&
    !CONTROL.test(value.replace(/\n/g, ''))
  );
}

function textDecorator(name: string, message: string, validate: (v: unknown) => boolean) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message, ...options },
        validator: { validate },
      });
}

export const IsRoomName = textDecorator(
  'isRoomName',
  `$property must be 1 to ${Limits.roomNameMaxLength} characters, not only white space, without control characters`,
  isRoomName,
);
export const IsRoomTopic = textDecorator(
  'isRoomTopic',
  `$property must be at most ${Limits.roomTopicMaxLength} characters without control characters`,
  isRoomTopic,
);

/** Status texts: at most 100 characters on one line, no control characters. */
export function isStatusText(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    [...value].length <= Limits.statusTextMaxLength &&
    !CONTROL.test(value)
  );
}

export const IsStatusText = textDecorator(
  'isStatusText',
  `$property must be at most ${Limits.statusTextMaxLength} characters without control characters`,
  isStatusText,
);
/** A forward cursor: "0" (from the first message) or a message id. */
export const IsHistoryCursor = textDecorator(
  'isHistoryCursor',
  '$property must be "0" or a message id',
  (value) => value === '0' || isMessageId(value),
);
