import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { USER_ID_PATTERN } from './validators';

export class RoomDto {
  @ApiProperty({ example: '1:2', description: '"0" is General; a DM between users a<b is "a:b"' })
  id: string;
  @ApiProperty({ enum: ['public', 'dm'] }) kind: 'public' | 'dm';
  @ApiProperty({ type: [String], example: ['Pablo', 'Joe'] }) names: string[];
}

export class CreateDmDto {
  @ApiProperty({ example: '2', description: 'The other user id' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must be a decimal user id' })
  userId: string;
}
