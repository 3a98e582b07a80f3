import { AsyncLocalStorage } from 'node:async_hooks';
import { AuthError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';

/**
 * msal-node calls its network client without any per-request context, so the signal of the
 * token request that caused a call travels with the async context instead.
 */
const requestSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` so that every HTTP request msal-node makes for it is aborted with `signal`. */
export function withAbortSignal<T>(signal: AbortSignal, work: () => T): T {
  return requestSignal.run(signal, work);
}

/**
 * msal-node's network client, on Node's fetch like msal-node's own, except that a request
 * can be aborted: msal-node's own POST has no time limit and no way to be cancelled, so a
 * hung endpoint kept one socket open per timed-out request, and the process alive.
 */
export class AbortableNetworkClient implements INetworkModule {
  /** `fallbackTimeoutMs` bounds a request that runs outside any token request's signal. */
  constructor(private readonly fallbackTimeoutMs: number) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeoutMs?: number,
  ): Promise<NetworkResponse<T>> {
    // AbortSignal.timeout's timer is unref'd: it never keeps the process alive by itself.
    const signal = eitherSignal(requestSignal.getStore(), AbortSignal.timeout(timeoutMs || this.fallbackTimeoutMs));
    let status: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      const response = await fetch(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        signal,
      });
      status = response.status;
      headers = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      text = await response.text();
    } catch (error) {
      // The shapes of msal-node's own HttpClient, so the error mapping stays the same.
      throw new AuthError(
        'network_error',
        signal.aborted
          ? 'the request was aborted at its time bound'
          : `network request failed: ${error instanceof Error ? error.message : 'unknown'}`,
      );
    }
    try {
      return { headers, body: JSON.parse(text) as T, status };
    } catch {
      throw new AuthError('token_parsing_error', `the answer (HTTP ${status}) is not JSON`);
    }
  }
}

/** A signal that aborts when either does (AbortSignal.any needs Node 20.3; engines allow 20.0). */
function eitherSignal(first: AbortSignal | undefined, second: AbortSignal): AbortSignal {
  if (!first) return second;
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (first.aborted || second.aborted) abort();
  first.addEventListener('abort', abort, { once: true });
  second.addEventListener('abort', abort, { once: true });
  return controller.signal;
}
