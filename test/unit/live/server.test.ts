import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveServer } from '../../../local/live/server';
import { startLiveServer } from '../../../local/live/server';
import type { LiveSnapshot } from '../../../local/live/snapshot';

describe('the live page server', () => {
  const servers: LiveServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('serves the page and the snapshot on loopback, and nothing else', async () => {
    let calls = 0;
    const server = await startLiveServer({ port: 0, snapshot: () => ({ eventsPut: ++calls }) as unknown as LiveSnapshot });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('data-testid="chart-throughput"');
    const first = await (await fetch(new URL('/api/snapshot', server.url))).json();
    const second = await (await fetch(new URL('/api/snapshot', server.url))).json();
    expect([first, second]).toEqual([{ eventsPut: 1 }, { eventsPut: 2 }]);
    expect((await fetch(new URL('/nothing', server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('answers 500 with the reason when the snapshot fails', async () => {
    const server = await startLiveServer({
      port: 0,
      snapshot: () => {
        throw new Error('runtime gone');
      },
    });
    servers.push(server);
    const response = await fetch(new URL('/api/snapshot', server.url));
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('runtime gone');
  });

  it('takes a free port when the one asked for is in use', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const server = await startLiveServer({ port: taken, snapshot: () => ({}) as LiveSnapshot });
      servers.push(server);
      expect(server.url).not.toContain(`:${taken}/`);
      expect((await fetch(server.url)).status).toBe(200);
    } finally {
      squatter.close();
    }
  });
});
