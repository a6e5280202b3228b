/**
 * Calls between the primary and a worker over the node:cluster IPC channel. Each side answers the
 * other's calls with its handlers and can call the other; `event`s are one-way notices.
 *
 * Invariants: every call settles exactly once: with the other side's answer, with its error, at
 * its timeout, or when the channel closes (`closeAll`). Messages of other senders (anything
 * without our `ow` tag) are left alone.
 */

type Message =
  | { ow: 'call'; id: number; kind: string; payload: unknown }
  | { ow: 'reply'; id: number; ok: true; value: unknown }
  | { ow: 'reply'; id: number; ok: false; error: string }
  | { ow: 'event'; kind: string; payload: unknown };

export type Handler = (payload: unknown) => unknown;

export interface Rpc {
  call(kind: string, payload?: unknown, timeoutMs?: number): Promise<unknown>;
  event(kind: string, payload?: unknown): void;
  /** Hands a message from the channel to the rpc; false when it was not one of ours. */
  receive(message: unknown): boolean;
  /** Rejects every call still waiting (the other side is gone). */
  closeAll(reason: string): void;
}

export function createRpc(
  send: (message: Message) => void,
  handlers: Readonly<Record<string, Handler>>,
  onEvent: (kind: string, payload: unknown) => void = () => undefined,
): Rpc {
  let next = 1;
  const waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | null }
  >();

  function settle(
    id: number,
  ): { resolve: (v: unknown) => void; reject: (e: Error) => void } | null {
    const entry = waiting.get(id);
    if (!entry) return null;
    waiting.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    return entry;
  }

  async function answer(id: number, kind: string, payload: unknown): Promise<void> {
    const handler = handlers[kind];
    try {
      if (!handler) throw new Error(`no handler for ${kind}`);
      const value = await handler(payload);
      trySend({ ow: 'reply', id, ok: true, value: value ?? null });
    } catch (err) {
      trySend({
        ow: 'reply',
        id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  function trySend(message: Message): void {
    try {
      send(message);
    } catch {
      // the channel is closing: the caller's timeout or closeAll settles its call
    }
  }

  return {
    call(kind, payload = null, timeoutMs = 0) {
      const id = next++;
      return new Promise((resolve, reject) => {
        const timer =
          timeoutMs > 0
            ? setTimeout(() => {
                settle(id)?.reject(new Error(`${kind}: no answer within ${timeoutMs} ms`));
              }, timeoutMs)
            : null;
        waiting.set(id, { resolve, reject, timer });
        try {
          send({ ow: 'call', id, kind, payload });
        } catch (err) {
          settle(id)?.reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    },
    event(kind, payload = null) {
      trySend({ ow: 'event', kind, payload });
    },
    receive(message) {
      if (!isMessage(message)) return false;
      if (message.ow === 'call') void answer(message.id, message.kind, message.payload);
      else if (message.ow === 'event') onEvent(message.kind, message.payload);
      else {
        const entry = settle(message.id);
        if (entry)
          if (message.ok) entry.resolve(message.value);
          else entry.reject(new Error(message.error));
      }
      return true;
    },
    closeAll(reason) {
      for (const id of [...waiting.keys()]) settle(id)?.reject(new Error(reason));
    },
  };
}

function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false;
  const ow = (value as { ow?: unknown }).ow;
  return ow === 'call' || ow === 'reply' || ow === 'event';
}
