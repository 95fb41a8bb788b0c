/**
 * One signed webhook request (docs/webhooks.md): the event as JSON, signed per the Standard Webhooks
 * specification with the `standardwebhooks` package. The connection goes only to addresses the URL
 * policy allows, checked as the name is resolved for this very connection. Redirects are not followed.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { LifecycleEvent } from '../domain/lifecycle-events';
import { addressProblem, webhookUrlProblem, type WebhookUrlPolicy } from './url-policy';

export interface WebhookPost {
  url: string;
  /** `whsec_…` */
  secret: string;
  event: LifecycleEvent;
  policy: WebhookUrlPolicy;
  timeoutMs: number;
}

export interface WebhookAnswer {
  /** Null when no HTTP answer came (refused address, connection error, timeout). */
  statusCode: number | null;
  error: string | null;
  /** The first bytes of the receiver's answer, for the attempt log. */
  body: string | null;
  durationMs: number;
}

const BODY_EXCERPT_BYTES = 512;

export const isSuccess = (a: WebhookAnswer) => a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;

/** The Standard Webhooks headers for `payload`, signed now (the receiver checks the timestamp against its own clock). */
export function signedHeaders(secret: string, messageId: string, payload: string, at = new Date()): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, payload),
  };
}

function guardedLookup(policy: WebhookUrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.map((a) => addressProblem(a.address, policy)).find((p) => p !== null);
      if (refused) return callback(Object.assign(new Error(`${hostname} resolves to a refused address: ${refused}`), { code: 'EADDRREFUSED' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export function postWebhook(post: WebhookPost): Promise<WebhookAnswer> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const problem = webhookUrlProblem(post.url, post.policy);
  if (problem) return Promise.resolve({ statusCode: null, error: `refused URL: ${problem}`, body: null, durationMs: 0 });
  // The event id is the message id: the same on every retry, so a receiver drops what it has seen.
  const payload = JSON.stringify(post.event);
  const url = new URL(post.url);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(post.policy),
        timeout: post.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'user-agent': 'subscription-orchestrator-webhooks/1',
          ...signedHeaders(post.secret, post.event.id, payload),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < BODY_EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () =>
          resolve({ statusCode: response.statusCode ?? null, error: null, body: Buffer.concat(chunks).subarray(0, BODY_EXCERPT_BYTES).toString('utf8'), durationMs: took() }),
        );
        response.on('error', (error) => resolve({ statusCode: response.statusCode ?? null, error: error.message, body: null, durationMs: took() }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${post.timeoutMs} ms`)));
    request.on('error', (error) => resolve({ statusCode: null, error: error.message, body: null, durationMs: took() }));
    request.end(payload);
  });
}
