// Local mode's webhook on a real HTTP server on loopback: retried on 5xx, not on 4xx.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postWebhook, WEBHOOK_ATTEMPTS } from '../../shared/alerts/webhook.js';

describe('postWebhook', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(statuses: number[]): Promise<{ url: string; bodies: string[] }> {
    const bodies: string[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, bodies };
  }

  it('retries a 503 and delivers the same JSON body', async () => {
    const { url, bodies } = await serve([503, 200]);
    const outcome = await postWebhook(url, '{"status":"firing"}', async () => undefined);
    expect(outcome).toEqual({ ok: true, status: 200 });
    expect(bodies).toEqual(['{"status":"firing"}', '{"status":"firing"}']);
  });

  it('gives up after the last try on 5xx, and at once on a 4xx, saying why', async () => {
    const down = await serve([500, 500, 500]);
    expect(await postWebhook(down.url, '{}', async () => undefined)).toEqual({ ok: false, error: 'HTTP 500' });
    expect(down.bodies).toHaveLength(WEBHOOK_ATTEMPTS);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const bad = await serve([404]);
    expect(await postWebhook(bad.url, '{}', async () => undefined)).toEqual({ ok: false, error: 'HTTP 404' });
    expect(bad.bodies).toHaveLength(1);
  });
});
