/**
 * `results` of scenario.assert (hubtest.md §6): the overflow events that went through the
 * postoverflows (whitelisted ones included, those without an Alert excluded), sorted as
 * cscli does: Go's unstable sort.Sort, descending by scenario + join(sources, "@").
 * Go's pattern-defeating quicksort is reproduced exactly (Appendix A) so that ties land in
 * the same order as in CrowdSec.
 */
import type {RuntimeAlert} from '../model/alert.js'
import type {Event} from '../model/event.js'

export function scenarioResultKey(evt: Event): string {
  const overflow = evt.Overflow as unknown as RuntimeAlert
  const scenario = overflow.Alert?.GetScenario() ?? ''
  return scenario + overflow.GetSources().join('@')
}

/** Filters and orders overflow events (in emission order) into the `results` list. */
export function scenarioResults(overflows: readonly Event[]): Event[] {
  const list = overflows.filter((e) => (e.Overflow as {Alert?: unknown}).Alert !== null && (e.Overflow as {Alert?: unknown}).Alert !== undefined)
  const keys = list.map(scenarioResultKey)
  goSort(list.length, (i, j) => keys[i]! > keys[j]!, (i, j) => {
    const e = list[i]!
    list[i] = list[j]!
    list[j] = e
    const k = keys[i]!
    keys[i] = keys[j]!
    keys[j] = k
  })
  return list
}

type Less = (i: number, j: number) => boolean
type Swap = (i: number, j: number) => void

/** Go sort.Sort (pdqsort, Go >= 1.19) over an index-addressed collection. */
export function goSort(n: number, less: Less, swap: Swap): void {
  if (n <= 1) return
  const limit = bitLength(n)
  new Pdq(less, swap).pdqsort(0, n, limit)
}

function bitLength(n: number): number {
  return n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1
}

const INCREASING = 1
const DECREASING = 2
const UNKNOWN = 0

class Pdq {
  constructor(private readonly less: Less, private readonly swap: Swap) {}

  insertionSort(a: number, b: number): void {
    for (let i = a + 1; i < b; i++) {
      for (let j = i; j > a && this.less(j, j - 1); j--) this.swap(j, j - 1)
    }
  }

  siftDown(lo: number, hi: number, first: number): void {
    let root = lo
    for (;;) {
      let child = 2 * root + 1
      if (child >= hi) return
      if (child + 1 < hi && this.less(first + child, first + child + 1)) child++
      if (!this.less(first + root, first + child)) return
      this.swap(first + root, first + child)
      root = child
    }
  }

  heapSort(a: number, b: number): void {
    const first = a
    const hi = b - a
    for (let i = Math.floor((hi - 1) / 2); i >= 0; i--) this.siftDown(i, hi, first)
    for (let i = hi - 1; i >= 0; i--) {
      this.swap(first, first + i)
      this.siftDown(0, i, first)
    }
  }

  pdqsort(a: number, b: number, limit: number): void {
    let wasBalanced = true
    let wasPartitioned = true
    for (;;) {
      const length = b - a
      if (length <= 12) {
        this.insertionSort(a, b)
        return
      }
      if (limit === 0) {
        this.heapSort(a, b)
        return
      }
      if (!wasBalanced) {
        this.breakPatterns(a, b)
        limit--
      }
      let [pivot, hint] = this.choosePivot(a, b)
      if (hint === DECREASING) {
        this.reverseRange(a, b)
        pivot = b - 1 - (pivot - a)
        hint = INCREASING
      }
      if (wasBalanced && wasPartitioned && hint === INCREASING) {
        if (this.partialInsertionSort(a, b)) return
      }
      if (a > 0 && !this.less(a - 1, pivot)) {
        a = this.partitionEqual(a, b, pivot)
        continue
      }
      const [mid, already] = this.partition(a, b, pivot)
      wasPartitioned = already
      const left = mid - a, right = b - mid
      const threshold = Math.floor(length / 8)
      if (left < right) {
        wasBalanced = left >= threshold
        this.pdqsort(a, mid, limit)
        a = mid + 1
      } else {
        wasBalanced = right >= threshold
        this.pdqsort(mid + 1, b, limit)
        b = mid
      }
    }
  }

  partition(a: number, b: number, pivot: number): [number, boolean] {
    this.swap(a, pivot)
    let i = a + 1, j = b - 1
    while (i <= j && this.less(i, a)) i++
    while (i <= j && !this.less(j, a)) j--
    if (i > j) {
      this.swap(j, a)
      return [j, true]
    }
    this.swap(i, j)
    i++
    j--
    for (;;) {
      while (i <= j && this.less(i, a)) i++
      while (i <= j && !this.less(j, a)) j--
      if (i > j) break
      this.swap(i, j)
      i++
      j--
    }
    this.swap(j, a)
    return [j, false]
  }

  partitionEqual(a: number, b: number, pivot: number): number {
    this.swap(a, pivot)
    let i = a + 1, j = b - 1
    for (;;) {
      while (i <= j && !this.less(a, i)) i++
      while (i <= j && this.less(a, j)) j--
      if (i > j) break
      this.swap(i, j)
      i++
      j--
    }
    return i
  }

  partialInsertionSort(a: number, b: number): boolean {
    let i = a + 1
    for (let step = 0; step < 5; step++) {
      while (i < b && !this.less(i, i - 1)) i++
      if (i === b) return true
      if (b - a < 50) return false
      this.swap(i, i - 1)
      if (i - a >= 2) {
        for (let j = i - 1; j >= 1; j--) {
          if (!this.less(j, j - 1)) break
          this.swap(j, j - 1)
        }
      }
      if (b - i >= 2) {
        for (let j = i + 1; j < b; j++) {
          if (!this.less(j, j - 1)) break
          this.swap(j, j - 1)
        }
      }
    }
    return false
  }

  breakPatterns(a: number, b: number): void {
    const length = b - a
    if (length < 8) return
    const mask64 = (1n << 64n) - 1n
    let r = BigInt(length)
    const next = (): bigint => {
      r ^= (r << 13n) & mask64
      r ^= r >> 7n
      r ^= (r << 17n) & mask64
      return r
    }
    const modulus = BigInt(1 << bitLength(length))
    const idx = a + Math.floor(length / 4) * 2 - 1
    for (let i = 0; i < 3; i++) {
      let other = Number(next() & (modulus - 1n))
      if (other >= length) other -= length
      this.swap(idx + i, a + other)
    }
  }

  choosePivot(a: number, b: number): [number, number] {
    const l = b - a
    const swaps = {n: 0}
    let i = a + Math.floor(l / 4) * 1
    let j = a + Math.floor(l / 4) * 2
    let k = a + Math.floor(l / 4) * 3
    if (l >= 8) {
      if (l >= 50) {
        i = this.median(i - 1, i, i + 1, swaps)
        j = this.median(j - 1, j, j + 1, swaps)
        k = this.median(k - 1, k, k + 1, swaps)
      }
      j = this.median(i, j, k, swaps)
    }
    if (swaps.n === 0) return [j, INCREASING]
    if (swaps.n === 12) return [j, DECREASING]
    return [j, UNKNOWN]
  }

  median(a: number, b: number, c: number, swaps: {n: number}): number {
    ;[a, b] = this.order2(a, b, swaps)
    ;[b, c] = this.order2(b, c, swaps)
    ;[a, b] = this.order2(a, b, swaps)
    return b
  }

  order2(a: number, b: number, swaps: {n: number}): [number, number] {
    if (this.less(b, a)) {
      swaps.n++
      return [b, a]
    }
    return [a, b]
  }

  reverseRange(a: number, b: number): void {
    for (let i = a, j = b - 1; i < j; i++, j--) this.swap(i, j)
  }
}
