/**
 * The server's own words for a failed API call: the Status message ("etcdserver: mvcc: database space
 * exceeded"), not client-node's "HTTP-Code: 500 Message: Unknown API Status Code! Body: ..." wrapper.
 * Falls back to the error's message (connection refused, timeouts).
 */
export function apiErrorMessage(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let body = e.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return text.trim() || String(e.message);
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return e.code ? `${e.code}: ${message}` : message;
  return String(e.message ?? error);
}
