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
    /Connection is closed|ECONNRESET|EPIPE|socket hang up|max retries per request|aborted due to connection close/i.test(
      message,
    )
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

/**
 * Error replies that speak for the whole server (or node), not for the command that got
 * them: a node still loading its data, demoted to a replica, busy with a script, without
 * a master, or refusing our credentials. Every other error reply (WRONGTYPE on a foreign
 * key, OOM under maxmemory noeviction, an expiry Redis will not take, NOPERM on one key ...)
 * fails its own call and says nothing about the next one.
 */
const SERVER_WIDE_REPLY = /^(LOADING|READONLY|BUSY|MASTERDOWN|CLUSTERDOWN|NOAUTH|WRONGPASS|NOREPLICAS|MISCONF)\b/;

/**
 * True if `error` is the server's answer about this one command: the connection works and
 * the breaker must not count it. Connection faults, timeouts and server-wide replies are not.
 */
export function isCommandError(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return false;
  return !SERVER_WIDE_REPLY.test(error.message);
}
