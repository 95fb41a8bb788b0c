/**
 * The API's own description (docs/openapi.md): `/openapi.json` and its rendering at `/docs`
 * (Swagger UI from the swagger-ui-dist package, served from here: no CDN). Open like /healthz:
 * the document holds no secret, and a browser opening the page sends no API key.
 */
import path from 'node:path';
import express, { Router } from 'express';
import type { OpenApiDocument } from '../openapi/document';

const OWN_FILES = path.join(__dirname, '../reference');
const PAGE = path.join(OWN_FILES, 'reference-page.html');
const SWAGGER_UI_FILES = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Swagger UI sets inline styles and shows data: images; scripts only from here. */
const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

export function referenceRoutes(document: OpenApiDocument): Router {
  const router = Router();
  const json = JSON.stringify(document);

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').set('Cache-Control', 'no-cache').send(json);
  });

  router.get('/docs', (_req, res) => {
    res.set('Content-Security-Policy', PAGE_POLICY).sendFile(PAGE);
  });
  // Files, not routes: the page's script and Swagger UI's own.
  router.use('/docs/static', express.static(OWN_FILES, { index: false, fallthrough: false }));
  router.use('/docs/assets', express.static(SWAGGER_UI_FILES, { index: false, fallthrough: false }));
  return router;
}
