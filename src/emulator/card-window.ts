/**
 * The emulator's card window (docs/card-registration.md), standing in for the one Toss's JS SDK
 * opens with `requestBillingAuth({ customerKey, successUrl, failUrl })`: the customer enters a card,
 * and the browser goes to successUrl with `customerKey` and a fresh `authKey`, or to failUrl with a
 * Toss `code` and `message`. The authKey is good for one billing-key issuance by that customer
 * within ten minutes, and is kept in memory only (an emulator restart forgets it).
 */
import { randomBytes } from 'node:crypto';
import express, { Router, type Response } from 'express';
import { tossError } from './error-catalog';
import { cardForNumber, luhnValid, type TestCard } from './test-cards';

const AUTH_KEY_LIFETIME_MS = 10 * 60_000;
const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.,@]{2,50}$/;

export interface WindowAuthorization {
  customerKey: string;
  card: TestCard;
  expiresAtMs: number;
}

/** AuthKeys the window handed out, until a billing key is issued from them. */
export class WindowAuthKeys {
  private readonly keys = new Map<string, WindowAuthorization>();

  create(customerKey: string, card: TestCard): string {
    // Keys never redeemed (a customer who left after the window) would otherwise stay for good.
    const now = Date.now();
    for (const [key, held] of this.keys) if (held.expiresAtMs <= now) this.keys.delete(key);
    const authKey = `bauth_${randomBytes(16).toString('hex')}`;
    this.keys.set(authKey, { customerKey, card, expiresAtMs: now + AUTH_KEY_LIFETIME_MS });
    return authKey;
  }

  /** The authorization behind an authKey, used up by this call; null when unknown or expired. */
  take(authKey: string): WindowAuthorization | null {
    const found = this.keys.get(authKey);
    if (!found) return null;
    this.keys.delete(authKey);
    return found.expiresAtMs > Date.now() ? found : null;
  }

  isWindowKey = (authKey: string) => authKey.startsWith('bauth_');

  /** How many keys are held (expired ones until the next create sweeps them). */
  get size(): number {
    return this.keys.size;
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const isHttpUrl = (text: unknown): text is string => {
  if (typeof text !== 'string' || text.length > 4096) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

const withQuery = (base: string, params: Record<string, string>) => {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
};

function page(fields: { customerKey: string; successUrl: string; failUrl: string }): string {
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>카드 등록 (Toss emulator)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:28rem}label{display:block;margin:.6rem 0}input{display:block;padding:.3rem;width:100%}button{margin:.8rem .5rem 0 0;padding:.4rem .9rem}</style>
</head><body>
<h1>카드 등록</h1>
<p>Toss Payments emulator: enter a test card (README, Test cards).</p>
<form method="post" action="/billing-auth/window">${hidden}
<label>카드 번호 <input name="cardNumber" inputmode="numeric" autocomplete="off" required></label>
<label>유효기간 (MM/YY) <input name="expiry" placeholder="12/30" autocomplete="off" required></label>
<label>생년월일 6자리 또는 사업자번호 10자리 <input name="identity" inputmode="numeric" autocomplete="off" required></label>
<label>비밀번호 앞 2자리 <input name="password2" type="password" inputmode="numeric" autocomplete="off" required></label>
<button type="submit" name="action" value="register">등록</button>
<button type="submit" name="action" value="cancel" formnovalidate>취소</button>
</form></body></html>`;
}

/** `MM/YY` not before this month. */
function expiryValid(text: string, now = new Date()): boolean {
  const match = /^(0[1-9]|1[0-2])\/(\d{2})$/.exec(text.trim());
  if (!match) return false;
  const year = 2000 + Number(match[2]);
  const month = Number(match[1]);
  return year > now.getUTCFullYear() || (year === now.getUTCFullYear() && month >= now.getUTCMonth() + 1);
}

export function cardWindowRoutes(authKeys: WindowAuthKeys): Router {
  const router = Router();
  const badRequest = (res: Response, message: string) => void res.status(400).type('text/plain').send(message);

  router.get('/billing-auth/window', (req, res) => {
    const { customerKey, successUrl, failUrl } = req.query;
    if (typeof customerKey !== 'string' || !CUSTOMER_KEY.test(customerKey)) return badRequest(res, 'customerKey: 2–50 chars of A-Z a-z 0-9 - _ = . , @');
    if (!isHttpUrl(successUrl) || !isHttpUrl(failUrl)) return badRequest(res, 'successUrl and failUrl: absolute http(s) URLs');
    // The form posts here, and the answer redirects to the merchant's URLs: Chrome checks form-action on both.
    const formAction = ["'self'", new URL(successUrl).origin, new URL(failUrl).origin].join(' ');
    res.set('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}`).type('html').send(page({ customerKey, successUrl, failUrl }));
  });

  router.post('/billing-auth/window', express.urlencoded({ extended: false, limit: '8kb' }), (req, res) => {
    const body: Record<string, unknown> = req.body ?? {};
    const { customerKey, successUrl, failUrl } = body;
    if (typeof customerKey !== 'string' || !CUSTOMER_KEY.test(customerKey) || !isHttpUrl(successUrl) || !isHttpUrl(failUrl)) {
      return badRequest(res, 'the window was opened without customerKey, successUrl and failUrl');
    }
    const failWith = (code: string) => res.redirect(303, withQuery(failUrl, { code, message: tossError(code).body.message }));
    if (body.action === 'cancel') return failWith('PAY_PROCESS_CANCELED');
    const cardNumber = typeof body.cardNumber === 'string' ? body.cardNumber.replace(/[\s-]/g, '') : '';
    if (!luhnValid(cardNumber)) return failWith('INVALID_CARD_NUMBER');
    if (typeof body.expiry !== 'string' || !expiryValid(body.expiry)) return failWith('INVALID_CARD_EXPIRATION');
    if (typeof body.identity !== 'string' || !/^(\d{6}|\d{10})$/.test(body.identity) || typeof body.password2 !== 'string' || !/^\d{2}$/.test(body.password2)) {
      return failWith('INVALID_REQUEST');
    }
    const authKey = authKeys.create(customerKey, cardForNumber(cardNumber));
    res.redirect(303, withQuery(successUrl, { customerKey, authKey }));
  });
  return router;
}
