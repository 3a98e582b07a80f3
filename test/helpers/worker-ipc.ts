/**
 * The messages every forked app process shares, whatever else it is asked (forked-worker.ts
 * is the parent's side, worker-app.ts the child's). A command with an `id` is answered
 * under that id; one without is not answered.
 */
export type LifecycleCommand = { id: number; type: 'close' };

export type LifecycleReply =
  | { type: 'ready' }
  | { type: 'startup-failed'; error: string }
  | { id: number; type: 'closed' }
  | { id: number; type: 'failed'; error: string };

/** How the parent tells the child who it is and how to configure its cache. */
export const WORKER_ENV_VARIABLE = 'FORKED_WORKER_ENV';
export const WORKER_INDEX_VARIABLE = 'FORKED_WORKER_INDEX';

/** A message without the `id` its sender adds. Distributes over a union, and drops the members that have none. */
export type WithoutId<Message> = Message extends { id: number } ? Omit<Message, 'id'> : never;
