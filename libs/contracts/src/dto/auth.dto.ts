import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { Limits } from '../limits';
import { UserDto } from './user.dto';
import { IsUtf8ByteLength } from './validators';

export class RegisterDto {
  @ApiProperty({
    example: 'Pablo',
    description: '1–32 letters, digits, _ . - (unique ignoring case)',
  })
  @IsString()
  @Matches(Limits.usernamePattern, {
    message: 'username must be 1-32 characters of letters, digits, _ . -',
  })
  username: string;

  @ApiProperty({ example: 'password123', minLength: 8, maxLength: 72, description: '8–72 bytes' })
  @IsString()
  @IsUtf8ByteLength(Limits.passwordMinBytes, Limits.passwordMaxBytes, {
    message: 'password must be 8 to 72 bytes',
  })
  password: string;
}

/** Login accepts the same shape; a name that could never be registered simply fails to log in. */
export class LoginDto extends RegisterDto {}

export class AuthResultDto {
  @ApiProperty({ type: UserDto })
  user: UserDto;

  @ApiProperty({
    description: 'Session token: send as `Authorization: Bearer <token>` or Socket.IO `auth.token`',
  })
  token: string;
}
