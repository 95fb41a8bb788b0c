/**
 * Card registration through the card window (docs/card-registration.md). A merchant's server opens
 * a session (authenticated POST) and sends its customer's browser to the window with the session's
 * success and fail URLs; the window sends the browser back to one of them, and this API registers
 * the card and sends the browser on to the merchant's return URL. The browser carries no API key:
 * the session token in those URLs authenticates the return, once per session.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { BillingAuthSession } from '../../db/billing-auth-sessions-repo';
import type { ApiDeps } from '../deps';
import { digest, idempotencyKeyOf, idempotent, type SealedField } from '../idempotency';
import { issuePaymentMethod } from '../payment-method-issuance';
import { HttpProblem } from '../problem';
import { billingAuthFailQuery, billingAuthSuccessQuery, createBillingAuthSessionBody } from '../schemas';
import { parse } from '../validate';

/** How long a customer has to finish the window once the session is open. */
export const SESSION_LIFETIME_MS = 30 * 60_000;

/** The session's view: its URLs hold its token, so they are sealed in a kept answer. */
const SEALED_URLS = ['successUrl', 'failUrl', 'windowUrl'] as const;

const withQuery = (base: string, params: Record<string, string>) => {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
};

/** Where the browser goes when the session has ended: the return URL with its outcome. */
function outcomeUrl(session: BillingAuthSession): string {
  if (session.status === 'completed') return withQuery(session.returnUrl, { paymentMethodId: session.paymentMethodId!, customerKey: session.customerKey });
  return withQuery(session.returnUrl, { error: session.errorCode ?? 'unknown', message: session.errorMessage ?? '' });
}

export function billingAuthRoutes(deps: ApiDeps): { open: Router; authenticated: Router } {
  const sessions = deps.billingAuthSessions;
  const sealed: SealedField = { names: SEALED_URLS, seal: sessions.seal, open: sessions.open };

  /** The session the token names, if it is still usable: a 401 otherwise, whatever the reason. */
  async function sessionOf(token: string): Promise<BillingAuthSession> {
    const session = await sessions.byToken(token);
    if (!session) throw new HttpProblem(401, 'unauthenticated', 'unknown card-registration session; open a new one (POST /v1/billing-auth/sessions)');
    if (session.status === 'open' && Date.parse(session.expiresAt) <= Date.now()) {
      throw new HttpProblem(401, 'unauthenticated', 'this card-registration session has expired; open a new one');
    }
    return session;
  }

  const authenticated = Router();
  authenticated.post('/v1/billing-auth/sessions', idempotent(deps.pool, 'billing-auth-sessions', { sealed }), async (req: Request, res: Response) => {
    const body = parse(createBillingAuthSessionBody, req.body);
    const key = idempotencyKeyOf(req);
    // Keyed: a retry after a lost answer finds the same session (and the same token).
    const id = `bas_${key === undefined ? randomBytes(12).toString('hex') : digest('billing-auth-session', body.customerKey, key).slice(0, 24)}`;
    const session = await sessions.create({ id, customerKey: body.customerKey, returnUrl: body.returnUrl, expiresAt: new Date(Date.now() + SESSION_LIFETIME_MS) });
    const origin = deps.publicUrl ?? `${req.protocol}://${req.get('host')}`;
    const token = sessions.tokenOf(session.id);
    const successUrl = withQuery(`${origin}/v1/billing-auth/success`, { session: token });
    const failUrl = withQuery(`${origin}/v1/billing-auth/fail`, { session: token });
    res.status(201).json({
      id: session.id,
      customerKey: session.customerKey,
      returnUrl: session.returnUrl,
      status: session.status,
      expiresAt: session.expiresAt,
      successUrl,
      failUrl,
      windowUrl: deps.cardWindowUrl ? withQuery(deps.cardWindowUrl, { customerKey: session.customerKey, successUrl, failUrl }) : null,
    });
  });

  const open = Router();
  open.get('/v1/billing-auth/success', async (req, res) => {
    const query = parse(billingAuthSuccessQuery, req.query, 'query');
    const found = await sessionOf(query.session);
    if (found.customerKey !== query.customerKey) {
      throw new HttpProblem(400, 'invalid-request', 'customerKey is not the session\'s customer', { errors: [{ field: 'customerKey', message: 'not the session\'s customer' }] });
    }
    // One registration per session: a reload or a double click waits for the first, then follows it.
    const ended = await sessions.exclusively(found.id, async () => {
      const session = await sessions.get(found.id);
      if (!session || session.status !== 'open') return session!;
      try {
        const method = await issuePaymentMethod(deps, { customerKey: session.customerKey, authKey: query.authKey, idempotencyKey: `billing-auth:${session.id}` });
        return await sessions.finish(session.id, { paymentMethodId: method.id });
      } catch (error) {
        // The gateway failing is not the card's fault: the session stays open for a reload to retry.
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
        return await sessions.finish(session.id, { errorCode: error.code, errorMessage: error.detail });
      }
    });
    res.redirect(303, outcomeUrl(ended));
  });

  open.get('/v1/billing-auth/fail', async (req, res) => {
    const query = parse(billingAuthFailQuery, req.query, 'query');
    const session = await sessionOf(query.session);
    // A session that has already ended keeps its outcome (a fail after a success changes nothing).
    const ended = await sessions.finish(session.id, { errorCode: query.code, errorMessage: query.message ?? '' });
    res.redirect(303, outcomeUrl(ended));
  });

  return { open, authenticated };
}
