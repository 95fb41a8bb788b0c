/**
 * Every JSON answer the API gives in any test is checked against the OpenAPI document that app
 * serves (docs/openapi.md): its route and status must be documented, its media type listed, and its
 * body must validate against the documented schema. Loaded for every test file (jest.config.js
 * `setupFilesAfterEnv`); a file whose answers broke the contract fails in its afterAll.
 *
 * Only apps that carry their document (`app.locals.openapiDocument`, set by createApiApp) are
 * checked: the Toss emulator and test receivers are other apps.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express, { type Response } from 'express';
import { match } from 'path-to-regexp';

interface DocumentLike {
  paths?: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
}

interface Contract {
  ajv: Ajv2020;
  routes: { template: string; matches: ReturnType<typeof match> }[];
  validators: Map<string, ValidateFunction>;
}

const contracts = new WeakMap<object, Contract>();
const violations: string[] = [];
/** How many answers were checked: a file that checked none proves nothing, but is not an error. */
let checked = 0;

function contractOf(document: DocumentLike): Contract {
  let contract = contracts.get(document);
  if (!contract) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    ajv.addSchema(document, 'openapi');
    contract = {
      ajv,
      routes: Object.keys(document.paths ?? {}).map((template) => ({
        template,
        matches: match(template.replace(/\{([^}]+)\}/g, ':$1'), { decode: false, end: true, trailing: true }),
      })),
      validators: new Map(),
    };
    contracts.set(document, contract);
  }
  return contract;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function validatorFor(contract: Contract, ref: string): ValidateFunction {
  let validate = contract.validators.get(ref);
  if (!validate) {
    validate = contract.ajv.compile({ $ref: ref });
    contract.validators.set(ref, validate);
  }
  return validate;
}

function check(res: Response, body: unknown): void {
  const document: unknown = res.app?.locals?.openapiDocument;
  if (!document || typeof document !== 'object') return;
  const contract = contractOf(document as DocumentLike);
  const paths = (document as DocumentLike).paths ?? {};
  const method = res.req.method.toLowerCase();
  const path = new URL(res.req.originalUrl, 'http://api.invalid').pathname;
  const status = String(res.statusCode);
  const mediaType = (res.get('content-type') ?? 'application/json').split(';')[0]!.trim();
  const where = `${method.toUpperCase()} ${path} → ${status}`;
  checked += 1;

  const route = contract.routes.find((r) => r.matches(path) !== false && paths[r.template]?.[method]);
  let ref: string;
  if (!route) {
    // No documented operation: only a problem may answer, the 404 of an unknown route, or what the
    // layers before the routes refuse first (401 without a key, 403, 415, 400, 429).
    if (!status.startsWith('4') || mediaType !== 'application/problem+json') {
      violations.push(`${where}: no documented operation answers this`);
      return;
    }
    ref = 'openapi#/components/schemas/Problem';
  } else {
    const response = paths[route.template]![method]!.responses?.[status];
    if (!response) {
      violations.push(`${where}: status ${status} is not documented for ${method.toUpperCase()} ${route.template}`);
      return;
    }
    if (!response.content?.[mediaType]) {
      violations.push(`${where}: media type ${mediaType} is not documented (documented: ${Object.keys(response.content ?? {}).join(', ') || 'none'})`);
      return;
    }
    ref = `openapi#/${pointer('paths', route.template, method, 'responses', status, 'content', mediaType, 'schema')}`;
  }
  const validate = validatorFor(contract, ref);
  // The body as it goes on the wire (dates and undefined fields as JSON makes them).
  const wire: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  if (!validate(wire)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    violations.push(`${where}: body does not match the documented schema: ${errors.join('; ')}`);
  }
}

const json = express.response.json;
express.response.json = function checkedJson(this: Response, body: unknown) {
  try {
    check(this, body);
  } catch (error) {
    violations.push(`contract check failed: ${(error as Error).message}`);
  }
  return json.call(this, body);
};

afterAll(() => {
  if (violations.length > 0) {
    const unique = [...new Set(violations)];
    throw new Error(`${unique.length} answer(s) broke the OpenAPI contract (of ${checked} checked):\n${unique.slice(0, 30).join('\n')}`);
  }
});

/** For the contract's own test: the violations so far, taken out so the file's afterAll passes. */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}
