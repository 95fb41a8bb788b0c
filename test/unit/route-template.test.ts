/** Route templates for metric labels and access logs: never a raw id, also for requests refused before their route. */
import express, { Router } from 'express';
import request from 'supertest';
import { routeTemplates, UNMATCHED_ROUTE } from '../../src/api/route-template';

function appWithTemplates() {
  const app = express();
  const seen: string[] = [];
  const routeOf = routeTemplates(app);
  app.use((req, res, next) => {
    res.on('finish', () => seen.push(`${req.method} ${routeOf(req)} ${res.statusCode}`));
    next();
  });
  app.get('/open', (_req, res) => void res.send('ok'));
  // Like authentication: refuses before any route below runs.
  app.use((req, res, next) => (req.get('authorization') ? next() : void res.status(401).end()));
  const subscriptions = Router();
  subscriptions.get('/v1/subscriptions/:id', (_req, res) => void res.json({}));
  subscriptions.post('/v1/subscriptions/:id/cancel', (_req, res) => void res.json({}));
  app.use(subscriptions);
  const nested = Router();
  nested.get('/items/:itemId', (_req, res) => void res.json({}));
  app.use('/v2', nested);
  app.all('/anything/:x', (_req, res) => void res.end());
  return { app, seen };
}

test('a served request names its route; one refused before its route names the route it asked for', async () => {
  const { app, seen } = appWithTemplates();
  const authed = (r: request.Test) => r.set('authorization', 'x');
  await request(app).get('/open');
  await authed(request(app).get('/v1/subscriptions/sub_123'));
  await request(app).get('/v1/subscriptions/sub_456'); // 401 before the route
  await request(app).post('/v1/subscriptions/sub_789/cancel');
  await authed(request(app).head('/v1/subscriptions/sub_1')); // HEAD is served by GET
  await request(app).get('/V1/Subscriptions/sub_2/'); // case-insensitive, trailing slash: as Express matches
  await authed(request(app).get('/v2/items/it_1'));
  await request(app).get('/v2/items/it_2');
  await request(app).delete('/anything/y');
  expect(seen).toEqual([
    'GET /open 200',
    'GET /v1/subscriptions/:id 200',
    'GET /v1/subscriptions/:id 401',
    'POST /v1/subscriptions/:id/cancel 401',
    'HEAD /v1/subscriptions/:id 200',
    'GET /v1/subscriptions/:id 401',
    'GET /v2/items/:itemId 200',
    'GET /v2/items/:itemId 401',
    'DELETE /anything/:x 401',
  ]);
});

test('a path or method no route serves is unmatched: no raw path becomes a label', async () => {
  const { app, seen } = appWithTemplates();
  await request(app).get('/v1/subscriptions/sub_1/extra').set('authorization', 'x');
  await request(app).delete('/v1/subscriptions/sub_1').set('authorization', 'x');
  await request(app).get('/etc/passwd');
  expect(seen).toEqual([`GET ${UNMATCHED_ROUTE} 404`, `DELETE ${UNMATCHED_ROUTE} 404`, `GET ${UNMATCHED_ROUTE} 401`]);
});
