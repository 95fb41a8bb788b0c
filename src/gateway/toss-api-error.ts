/** A Toss error response, or a network failure before one arrived (status 0, code NETWORK_ERROR). */
export class TossApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'TossApiError';
  }
}
