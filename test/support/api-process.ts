import request from 'supertest';
import { AppProcess } from './stack';

/** The API as its own process (the stack's API runs in-process): a replica that can be killed. */
export class ApiProcess extends AppProcess {
  protected readonly script = 'dist/apps/api/main.js';

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected async ready(): Promise<boolean> {
    const res = await request(this.url)
      .get('/api/health/ready')
      .catch(() => null);
    return res?.status === 200;
  }
}
