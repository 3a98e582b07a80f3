import { CacheTimeoutError } from '../../src/resilience/deadline-queue';
import { classifyFault } from '../../src/resilience/fault-classifier';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('classifyFault', () => {
  it.each([
    [withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'), 'connection refused'],
    [new CacheTimeoutError(200), 'timed out'],
    [withCode('connect ETIMEDOUT', 'ETIMEDOUT'), 'timed out'],
    [new Error('WRONGPASS invalid username-password pair or user is disabled.'), 'authentication failed'],
    [new Error('NOAUTH Authentication required.'), 'authentication failed'],
    [withCode('read ECONNRESET', 'ECONNRESET'), 'connection lost'],
    [withCode('write EPIPE', 'EPIPE'), 'connection lost'],
    [new Error('Connection is closed.'), 'connection lost'],
    [named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 0).'), 'connection lost'],
    [named('AbortError', 'Command aborted due to connection close'), 'connection lost'],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'not connected'],
    [withCode('getaddrinfo ENOTFOUND redis.invalid', 'ENOTFOUND'), 'host not found'],
    [new Error('self-signed certificate in certificate chain'), 'TLS handshake failed'],
    [new Error('LOADING Redis is loading the dataset in memory'), 'redis is loading its dataset'],
    [new Error("READONLY You can't write against a read only replica."), 'connected to a read-only replica'],
    [new Error('CLUSTERDOWN The cluster is down'), 'cluster unavailable'],
    [new Error('OOM command not allowed when used memory > maxmemory'), 'backend error'],
    ['a string thrown by a library', 'backend error'],
    [undefined, 'backend error'],
  ])('%s -> %s', (error, kind) => {
    expect(classifyFault(error)).toBe(kind);
  });
});
