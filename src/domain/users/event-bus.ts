// Per-app notice that a user's log grew: the repository tells it after each commit, followers of
// that user (live user events) wake up and read the log. A notice carries only the user id and the
// last sequence; the log is the truth, so a notice lost or repeated changes nothing but latency.
// One bus per app (createApp), no module-level state; on PostgreSQL a relay (src/db/notifications.ts)
// carries local commits to other instances (`relay`) and theirs to this bus (`deliver`).

export type EventNotice = (sequence: number) => void;

export class UserEventBus {
  private readonly followers = new Map<string, Set<EventNotice>>();
  /** Also told of every local commit (the cross-instance relay), when set. */
  relay: ((userId: string, sequence: number) => void) | undefined;

  /** Wakes `notice` whenever the user's log grows; answers the function that stops it. */
  follow(userId: string, notice: EventNotice): () => void {
    let set = this.followers.get(userId);
    if (!set) {
      set = new Set();
      this.followers.set(userId, set);
    }
    set.add(notice);
    return () => {
      const current = this.followers.get(userId);
      if (!current) return;
      current.delete(notice);
      if (current.size === 0) this.followers.delete(userId);
    };
  }

  /** A write of this instance committed events of the user up to `sequence`. */
  committed(userId: string, sequence: number): void {
    this.deliver(userId, sequence);
    this.relay?.(userId, sequence);
  }

  /** Events of the user committed (here or by another instance) up to `sequence`. */
  deliver(userId: string, sequence: number): void {
    const set = this.followers.get(userId);
    if (!set) return;
    for (const notice of set) notice(sequence);
  }

  /** Users with at least one follower (metrics and tests). */
  get followedUsers(): number {
    return this.followers.size;
  }
}
