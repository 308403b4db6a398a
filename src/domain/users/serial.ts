// Writes to one user run one at a time in this process: a request that did not ask for
// optimistic concurrency must never see a conflict just because another request for the same user
// was in flight (issue 16.1). Each user id has a queue; work for other users is not held up. On
// SQLite (one process per file) this also means a group-commit batch never holds two writes of
// one user: the second starts only after the first's batch committed.
export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier `run` of the same key has settled. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget the key once its queue is empty, so the map stays as small as the work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
