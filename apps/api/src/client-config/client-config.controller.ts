import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { ApiPaths } from '@app/contracts';
import { Public } from '../common/public.decorator';
import { DEMO_USERS } from '@app/chat';

export class ClientConfigDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Socket.IO URL to use instead of the page origin (PUBLIC_GATEWAY_URL)',
  })
  gatewayUrl: string | null;

  @ApiProperty({ type: [String], description: 'Demo accounts to offer on the sign-in form' })
  demoUsers: string[];
}

/**
 * What a browser client needs before it signs in. Never a password: this answers anyone, and a
 * published password is a login for anyone (the demo's is in the README for local use).
 */
@ApiTags('client')
@Public()
@Controller(ApiPaths.clientConfig)
export class ClientConfigController {
  constructor(@Inject(PARLEY_CONFIG) private readonly config: ParleyConfig) {}

  @Get()
  @ApiOkResponse({ type: ClientConfigDto })
  get(): ClientConfigDto {
    const demo = this.config.demoData;
    return {
      gatewayUrl: this.config.publicGatewayUrl ?? null,
      demoUsers: demo ? [...DEMO_USERS] : [],
    };
  }
}
