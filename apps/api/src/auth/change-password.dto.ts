import { ApiProperty } from '@nestjs/swagger';
import { IsUtf8ByteLength, Limits } from '@app/contracts';
import { IsString } from 'class-validator';

export class ChangePasswordDto {
  @ApiProperty({ example: 'password123', description: 'The password in use now' })
  @IsString()
  @IsUtf8ByteLength(1, Limits.passwordMaxBytes, {
    message: 'currentPassword must be 1 to 72 bytes',
  })
  currentPassword: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    minLength: 8,
    maxLength: 72,
    description: '8–72 bytes',
  })
  @IsString()
  @IsUtf8ByteLength(Limits.passwordMinBytes, Limits.passwordMaxBytes, {
    message: 'newPassword must be 8 to 72 bytes',
  })
  newPassword: string;
}
