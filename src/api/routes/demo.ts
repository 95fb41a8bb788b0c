/**
 * `GET /demo`: a small merchant page that registers a card through the card window and then
 * subscribes (docs/card-registration.md). Open like /docs: the page holds nothing; it calls the API
 * with the key its user pastes.
 */
import path from 'node:path';
import express, { Router } from 'express';

const FILES = path.join(__dirname, '../demo');
const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";

export function demoRoutes(): Router {
  const router = Router();
  router.get('/demo', (_req, res) => {
    res.set('Content-Security-Policy', PAGE_POLICY).sendFile(path.join(FILES, 'demo-page.html'));
  });
  router.use('/demo/static', express.static(FILES, { index: false, fallthrough: false }));
  return router;
}
