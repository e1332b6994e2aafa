import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { LiveSnapshot } from './snapshot';

export interface LiveServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface LiveServerOptions {
  /** A loopback port; 0 picks a free one. A port in use falls back to a free one. */
  readonly port: number;
  readonly snapshot: () => LiveSnapshot;
}

const PAGE = join(__dirname, 'page.html');

/**
 * The live page on 127.0.0.1: `/` is the page (one self-contained HTML file: no CDN, it must work
 * offline), `/api/snapshot` the figures it draws, as JSON.
 */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const page = readFileSync(PAGE);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { Allow: 'GET' }).end();
    } else if (path === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page);
    } else if (path === '/api/snapshot') {
      let body: string;
      try {
        body = JSON.stringify(options.snapshot());
      } catch (error) {
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`snapshot failed: ${(error as Error).message}`);
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  const port = await listen(server, options.port).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' && options.port !== 0) return listen(server, 0);
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
