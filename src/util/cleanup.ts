/** Undo actions for what a command creates before it is safely in place. */

/**
 * A stack of undo actions. A command registers one as soon as it creates something that must not
 * outlive a failed or interrupted run, and releases it once the thing is safely in place.
 */
export class CleanupRegistry {
  private readonly actions = new Map<number, () => Promise<void> | void>();
  private next = 0;

  add(action: () => Promise<void> | void): () => void {
    const id = this.next++;
    this.actions.set(id, action);
    return () => {
      this.actions.delete(id);
    };
  }

  /** Run every pending action, newest first; errors are swallowed (best effort). */
  async runAll(): Promise<void> {
    const pending = [...this.actions.entries()].reverse();
    this.actions.clear();
    for (const [, action] of pending) {
      try {
        await action();
      } catch {
        // Cleanup is best effort: the original failure is what the user needs to see.
      }
    }
  }
}
