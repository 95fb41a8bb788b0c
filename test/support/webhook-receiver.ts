/**
 * A merchant's webhook receiver on loopback, as docs/webhooks.md tells one to write it: verify the
 * signature with `standardwebhooks`, drop an id already seen, order by sequence. It can be told to
 * refuse the next requests, and it counts what it saw.
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { LifecycleEvent } from '../../src/domain/lifecycle-events';

export interface WebhookReceiver {
  url: string;
  /** Set after the endpoint is created (its secret is known only then). */
  secret: string | null;
  /** Answer 503 to this many more requests. */
  refuseNext: number;
  /** Answer 500 to everything while true. */
  down: boolean;
  /** Accepted events, first delivery of each id only. */
  accepted: LifecycleEvent[];
  /** Deliveries of an id already accepted (at-least-once repeats), dropped by id. */
  duplicates: number;
  refused: number;
  /** Requests whose signature did not verify. */
  invalid: number;
  /** Accepted events of one subscription in sequence order. */
  eventsOf(subscriptionId: string): LifecycleEvent[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const seen = new Set<string>();
  const receiver: Omit<WebhookReceiver, 'url' | 'close'> = {
    secret: null,
    refuseNext: 0,
    down: false,
    accepted: [],
    duplicates: 0,
    refused: 0,
    invalid: 0,
    eventsOf: (id) => receiver.accepted.filter((e) => e.subscriptionId === id).sort((a, b) => a.sequence - b.sequence),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: LifecycleEvent;
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        event = new Webhook(receiver.secret ?? 'whsec_').verify(body, headers) as LifecycleEvent;
      } catch {
        receiver.invalid++;
        return void res.writeHead(400).end('bad signature');
      }
      if (receiver.down || receiver.refuseNext > 0) {
        if (!receiver.down) receiver.refuseNext--;
        receiver.refused++;
        return void res.writeHead(receiver.down ? 500 : 503).end('not now');
      }
      if (seen.has(event.id)) receiver.duplicates++;
      else {
        seen.add(event.id);
        receiver.accepted.push(event);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
