import { registerDecorator, ValidationOptions } from 'class-validator';
import { Limits } from '../limits';

export const MESSAGE_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;
export const ROOM_ID_PATTERN = /^(0|[1-9]\d{0,15}:[1-9]\d{0,15})$/;
export const USER_ID_PATTERN = /^[1-9]\d{0,15}$/;

/** Chat text: 1..4000 Unicode code points, not only white space. */
export function IsChatText(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isChatText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must be 1 to ${Limits.messageMaxCodePoints} characters and not only white space`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          // Count code points without building an array for huge inputs.
          let count = 0;
          for (const _ of value) {
            count += 1;
            if (count > Limits.messageMaxCodePoints) return false;
          }
          return count > 0 && value.trim().length > 0;
        },
      },
    });
}

const LONE_SURROGATE = /\p{Cs}/u;
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
