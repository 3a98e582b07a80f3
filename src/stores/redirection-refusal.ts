/**
 * A command the Cluster kept sending elsewhere. While a slot migration splits a multi-key
 * command's keys between two nodes, Redis refuses it with TRYAGAIN; ioredis retries on a
 * random node (at once: see the Cluster's options in redis-topology-client.ts), is sent on
 * by MOVED, and gives up after maxRedirections, naming whichever refusal came last. The
 * nodes answered every time: this speaks for that one command, not for a node.
 */
export function isRedirectionRefusal(error: unknown): boolean {
  return (
    error instanceof Error &&
    /^(?:Too many Cluster redirections\. Last error: \S+ (?:TRYAGAIN|MOVED|ASK)\b|TRYAGAIN\b)/.test(error.message)
  );
}
