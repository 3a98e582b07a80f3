/** A short, stable description of why a backend call failed; also the throttling key for logs. */
export function classifyFault(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return 'connection refused';
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message)) return 'timed out';
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH .*failed/i.test(message)) {
    return 'authentication failed';
  }
  // ioredis fails the commands that were in flight when a connection closed with
  // MaxRetriesPerRequestError (maxRetriesPerRequest is 0) or AbortError.
  const name = error instanceof Error ? error.name : '';
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    name === 'MaxRetriesPerRequestError' ||
    name === 'AbortError' ||
    /Connection is closed|ECONNRESET|EPIPE|socket hang up|max retries per request|aborted due to connection close/i.test(message)
  ) {
    return 'connection lost';
  }
  if (/Stream isn't writeable|enableOfflineQueue/i.test(message)) return 'not connected';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message)) return 'TLS handshake failed';
  if (/LOADING/.test(message)) return 'redis is loading its dataset';
  if (/READONLY/.test(message)) return 'connected to a read-only replica';
  if (/CLUSTERDOWN|MOVED|ASK /.test(message)) return 'cluster unavailable';
  return 'backend error';
}
