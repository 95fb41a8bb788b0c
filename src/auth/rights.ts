/** What an API key may do. `read` is limited to safe methods; `full` may do everything. */
export const API_KEY_RIGHTS = ['full', 'read'] as const;
export type ApiKeyRight = (typeof API_KEY_RIGHTS)[number];

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function rightAllows(right: ApiKeyRight, method: string): boolean {
  return right === 'full' || SAFE_METHODS.has(method.toUpperCase());
}

export const isApiKeyRight = (value: unknown): value is ApiKeyRight =>
  typeof value === 'string' && (API_KEY_RIGHTS as readonly string[]).includes(value);
