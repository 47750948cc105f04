/**
 * The detector's state as rows, and only the rows that changed: what `crowd watch` commits with
 * each batch of alerts. A whole snapshot costs time in proportion to the live buckets (thousands
 * of addresses make megabytes); a commit of changed rows costs what the batch changed.
 *
 * The first take() is full (every bucket, `full: true`: rows saved before that are not in it are
 * gone); it also starts tracking, and each store then notes the keys of the instances created,
 * poured into or removed (BucketStore.touched). Each later take() encodes the touched instances
 * that still live (upserts) and names those that are gone (deletes). The header is small (the
 * event clock, the stores with their blackhole lists) and always whole.
 *
 * Row keys are `<store index>.<sha1 of the bucket key>`: bucket keys are attacker-chosen text of
 * any length, and a store of rows may limit key size and refuse NUL characters. The store index
 * holds for the life of one detector; a new detector (a reload) starts with a full take.
 */
import {createHash} from 'node:crypto'
import type {Bucket} from './bucket.js'
import {encodeBucketRow, encodeSnapshotHeader, type BucketRow, type DetectorState, type SnapshotHeader, type StoreView} from './snapshot.js'

export interface SnapshotChanges {
  /** Every row is in `upserts`: saved rows not in it are gone. */
  full: boolean
  header: SnapshotHeader
  /** New or changed rows, each key once. */
  upserts: [key: string, row: BucketRow][]
  /** Keys of rows whose bucket is gone (never also in upserts). */
  deletes: string[]
}

export class SnapshotTracker {
  private started = false
  /** Per store: keys of live instances that have no row (an event that cannot be encoded). */
  private readonly omitted: Set<string>[]

  constructor(private readonly views: readonly StoreView[]) {
    this.omitted = views.map(() => new Set<string>())
  }

  /** The changes since the last take (everything the first time); `state` gives the clock. */
  take(state: Pick<DetectorState, 'clock' | 'poursSinceSweep'>): SnapshotChanges {
    const upserts: [string, BucketRow][] = []
    const deletes: string[] = []
    const full = !this.started
    this.views.forEach((view, i) => {
      const store = view.store
      const omitted = this.omitted[i]!
      const put = (b: Bucket): void => {
        const row = encodeBucketRow(b, i, view)
        const key = rowKey(i, b.key)
        if (row === null) {
          omitted.add(b.key)
          if (!full) deletes.push(key)
        } else {
          omitted.delete(b.key)
          upserts.push([key, row])
        }
      }
      if (full) {
        for (const b of store.buckets.values()) put(b)
      } else {
        for (const key of store.touched!) {
          const b = store.buckets.get(key)
          if (b !== undefined) put(b)
          else {
            omitted.delete(key)
            deletes.push(rowKey(i, key))
          }
        }
      }
      store.touched = new Set()
    })
    this.started = true
    const header = encodeSnapshotHeader({...state, stores: this.views}, this.omitted.map((o) => o.size))
    return {full, header, upserts, deletes}
  }
}

function rowKey(store: number, bucketKey: string): string {
  return `${store}.${createHash('sha1').update(bucketKey).digest('base64url')}`
}
