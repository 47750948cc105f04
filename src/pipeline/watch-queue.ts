/**
 * The bounded hand-off between the sources of `crowd watch` and its one consumer (parse ->
 * detect -> commit). Sources `push` and wait while the queue holds `maxLines` lines or more: a
 * file follower then stops reading, a journalctl child is paused, so a burst never turns into
 * unbounded memory. The consumer `take`s one item at a time, or waits at most until a deadline
 * (the next tick or commit).
 */

export interface QueueItem {
  /** Lines the item weighs (the bound counts lines, not items). */
  readonly weight: number
}

export class BoundedQueue<T extends QueueItem> {
  private readonly items: T[] = []
  private head = 0
  private held = 0
  private readonly room: (() => void)[] = []
  private wake: (() => void) | undefined
  private closed = false
  /** Times a producer had to wait for room. */
  waits = 0

  constructor(readonly maxLines: number) {
    if (!(maxLines >= 1)) throw new RangeError(`maxLines must be >= 1, got ${maxLines}`)
  }

  /** Lines queued now. */
  get lines(): number {
    return this.held
  }

  get length(): number {
    return this.items.length - this.head
  }

  /**
   * Adds an item; resolves once it is queued. An item bigger than the whole bound is still taken
   * when the queue is empty (a batch is never split here), so a producer is never stuck.
   */
  async push(item: T): Promise<void> {
    while (!this.closed && this.held > 0 && this.held + item.weight > this.maxLines) {
      this.waits++
      await new Promise<void>((resolve) => this.room.push(resolve))
    }
    this.items.push(item)
    this.held += item.weight
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** The next item, or undefined when none came before `deadline` (ms since epoch) or the queue was interrupted. */
  async take(deadline: number): Promise<T | undefined> {
    if (this.length === 0) {
      // never resolve at once with nothing: a caller looping on take must leave room to timers and I/O
      const wait = Math.max(1, deadline - Date.now())
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = undefined
          resolve()
        }, wait)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      if (this.length === 0) return undefined
    }
    const item = this.items[this.head]!
    this.items[this.head++] = undefined as unknown as T
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head)
      this.head = 0
    }
    this.held -= item.weight
    this.release()
    return item
  }

  /** Wakes a consumer waiting in take (it returns undefined at once). */
  interrupt(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** Lets every waiting producer through (shutdown: they must not stay blocked). */
  close(): void {
    this.closed = true
    for (const r of this.room.splice(0)) r()
    this.interrupt()
  }

  private release(): void {
    // one waiter per freed slot is enough: each re-checks the bound
    while (this.room.length > 0 && (this.held === 0 || this.held < this.maxLines)) {
      this.room.shift()!()
      if (this.held > 0) break
    }
  }
}
