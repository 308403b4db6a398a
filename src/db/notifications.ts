// Commits of other instances on one PostgreSQL database (live user events): a dedicated connection
// per app LISTENs on a channel named after the schema, and this instance's commits are sent there
// with pg_notify. The payload is only `<userId>:<sequence>`: receivers read the events from the
// log, so a notification lost (a reconnect, a crash between COMMIT and NOTIFY) loses nothing but
// latency, and the followers' poll covers it. Engine-specific, hence in src/db.
import pg from 'pg';

export interface CommitChannel {
  /** Tells the other instances that the user's log grew to `sequence` (best effort). */
  publish(userId: string, sequence: number): void;
  /** Resolves once LISTEN is in place (tests; the gateway does not wait for it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface CommitChannelOptions {
  connectionString: string;
  /** Server options of the pool's connections (the schema's search_path). */
  options?: string;
  connectTimeoutMs: number;
  /** Told about a lost connection (it reconnects after a pause that grows to 10 s). */
  onError?: (error: unknown) => void;
}

const CHANNEL_PREFIX = 'user_events';
const MAX_RECONNECT_PAUSE_MS = 10_000;
/** Notifications not yet sent while the connection is busy or down; past this, dropped (the poll covers). */
const MAX_QUEUED = 1_000;

/** `user:1:7` → ['user:1', 7]; undefined for anything else. */
export function parseCommitNotice(payload: string): [string, number] | undefined {
  const at = payload.lastIndexOf(':');
  if (at <= 0) return undefined;
  const sequence = Number(payload.slice(at + 1));
  if (!Number.isSafeInteger(sequence) || sequence < 1) return undefined;
  return [payload.slice(0, at), sequence];
}

/** Opens the channel; `deliver` is called for every commit notice (this instance's own included). */
export function openCommitChannel(
  settings: CommitChannelOptions,
  deliver: (userId: string, sequence: number) => void,
): CommitChannel {
  let client: pg.Client | undefined;
  let channel: string | undefined;
  let closed = false;
  let pause = 250;
  let timer: NodeJS.Timeout | undefined;
  let sending = false;
  const queue: string[] = [];
  let markReady: () => void = () => {};
  let readiness = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const connect = async () => {
    const next = new pg.Client({
      connectionString: settings.connectionString,
      ...(settings.options ? { options: settings.options } : {}),
      connectionTimeoutMillis: settings.connectTimeoutMs,
      // A silent server: a notification not answered in this time counts the connection lost.
      query_timeout: settings.connectTimeoutMs,
      keepAlive: true,
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('notification connection ended')));
    next.on('notification', (message) => {
      if (message.channel !== channel || !message.payload) return;
      const notice = parseCommitNotice(message.payload);
      if (notice) deliver(notice[0], notice[1]);
    });
    try {
      await next.connect();
      const { rows } = await next.query<{ schema: string }>('select current_schema() as schema');
      // Channels are per database; the schema keeps two gateways on other schemas apart. 63 bytes at most.
      channel = `${CHANNEL_PREFIX}:${rows[0]?.schema ?? 'public'}`.slice(0, 63);
      await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      if (closed) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      pause = 250;
      markReady();
      void flush();
    } catch (error) {
      lost(next, error);
    }
  };

  const lost = (which: pg.Client, error: unknown) => {
    if (client !== undefined && client !== which) return;
    client = undefined;
    which.removeAllListeners('notification');
    which.end().catch(() => {});
    if (closed || timer) return;
    settings.onError?.(error);
    readiness = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, pause);
    timer.unref();
    pause = Math.min(MAX_RECONNECT_PAUSE_MS, pause * 2);
  };

  /** One notification at a time on the one connection, in commit order. */
  const flush = async () => {
    if (sending) return;
    sending = true;
    try {
      while (client && channel && queue.length > 0) {
        const current = client;
        const payload = queue.shift() as string;
        await current.query('select pg_notify($1, $2)', [channel, payload]).catch((error: unknown) => {
          if (error instanceof Error && error.message === 'Query read timeout') {
            (current as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
            lost(current, error);
          }
        });
      }
    } finally {
      sending = false;
    }
  };

  void connect();
  return {
    publish(userId, sequence) {
      if (closed) return;
      if (queue.length >= MAX_QUEUED) queue.shift();
      queue.push(`${userId}:${sequence}`);
      if (client) void flush();
    },
    ready: () => readiness,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = undefined;
      if (!current) return;
      // end() waits for the server's goodbye: a hanging server gets a second, then the socket is cut.
      let cut: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        cut = setTimeout(() => {
          (current as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
          resolve();
        }, 1_000);
      });
      await Promise.race([current.end().catch(() => {}), late]);
      clearTimeout(cut);
    },
  };
}
