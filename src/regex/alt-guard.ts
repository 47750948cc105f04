/**
 * Lookahead guards for alternations: a necessary condition for any branch to match, tested once
 * before the branches are tried.
 *
 * Grok's IPV6 is an alternation of ~10 branches that all start with up to four hex digits and a
 * colon (or a colon). On an IPv4 address or a host name every branch scans its hex digits and
 * fails, and an nginx access line goes through IPORHOST two or three times before its IPv4 address
 * matches. With the guard `(?=[0-9A-Fa-f]{0,4}:)` in front, the alternation fails at the first
 * character that is neither a hex digit nor a colon.
 *
 * The guard is `(?=P{0,k}N)`: every match of every branch starts with at most k characters of the
 * set P and then one character of the set N, with N and P disjoint (so the guard is selective) and
 * k small (so it is cheap and runs in bounded time). Being implied by every branch, it never changes
 * what the alternation matches, nor its captures (it has none) nor the order of backtracking.
 * Zero-width assertions are stepped over (they only narrow matches further).
 */
import {normalizeRanges, rangesContain, rangesIntersect, rangesWithin, type CharSet, type Re2Node} from './syntax.js'

/** The longest prefix a guard may step over. */
const MAX_PREFIX = 8
/** Needle characters tried per alternation. */
const MAX_NEEDLES = 8

export interface AltGuard {
  /** The prefix set (ranges, possibly empty) and its longest length. */
  prefix: number[]
  k: number
  /** The needle set (ranges). */
  needle: number[]
}

/**
 * The guard of an alternation, or undefined when none is selective. Needles tried: the literal
 * characters that start a branch's match or follow a short prefix (first come, first tried).
 */
export function alternationGuard(alt: Re2Node & {type: 'alt'}): AltGuard | undefined {
  if (alt.items.length < 3) return undefined
  const needles: number[] = []
  collectNeedles(alt, needles, 0)
  for (const cp of needles) {
    const needle = [cp, cp]
    const lead = leadOf(alt, needle)
    if (lead !== undefined && lead.k <= MAX_PREFIX) return {prefix: lead.prefix, k: lead.k, needle}
  }
  return undefined
}

/** Literal characters near the start of `node` (a bounded walk). */
function collectNeedles(node: Re2Node, out: number[], depth: number): void {
  if (out.length >= MAX_NEEDLES || depth > 12) return
  switch (node.type) {
    case 'char':
      if (!out.includes(node.cp)) out.push(node.cp)
      return
    case 'group':
      return collectNeedles(node.body, out, depth + 1)
    case 'repeat':
      return collectNeedles(node.body, out, depth + 1)
    case 'alt':
      for (const item of node.items) collectNeedles(item, out, depth + 1)
      return
    case 'concat':
      // the first items only: a needle lies within a short prefix
      for (const item of node.items.slice(0, 3)) collectNeedles(item, out, depth + 1)
      return
    default:
      return
  }
}

interface Lead {
  prefix: number[]
  k: number
}

/**
 * When every match of `node` starts with at most `k` characters of `prefix` and then a character of
 * `needle` (prefix and needle disjoint): that prefix. Undefined when it cannot be shown.
 */
function leadOf(node: Re2Node, needle: number[]): Lead | undefined {
  switch (node.type) {
    case 'char':
      return rangesContain(needle, node.cp) ? {prefix: [], k: 0} : undefined
    case 'class':
      return plainRanges(node.set) !== undefined && rangesWithin(node.set.ranges, needle) ? {prefix: [], k: 0} : undefined
    case 'group':
      return leadOf(node.body, needle)
    case 'repeat':
      return node.min >= 1 ? leadOf(node.body, needle) : undefined
    case 'alt': {
      let prefix: number[] = []
      let k = 0
      for (const item of node.items) {
        const lead = leadOf(item, needle)
        if (lead === undefined) return undefined
        prefix = union(prefix, lead.prefix)
        k = Math.max(k, lead.k)
      }
      return {prefix, k}
    }
    case 'concat': {
      let prefix: number[] = []
      let k = 0
      for (const item of node.items) {
        if (item.type === 'assert' || item.type === 'empty') continue
        const lead = leadOf(item, needle)
        if (lead !== undefined) return {prefix: union(prefix, lead.prefix), k: k + lead.k}
        // an item that only matches a bounded run of characters off the needle: part of the prefix
        const run = boundedRun(item)
        if (run === undefined || rangesIntersect(run.set, needle) || k + run.max > MAX_PREFIX) return undefined
        prefix = union(prefix, run.set)
        k += run.max
      }
      return undefined
    }
    default:
      return undefined
  }
}

/** When `node` only matches strings of characters of `set`, at most `max` long: those. */
function boundedRun(node: Re2Node): {set: number[]; max: number} | undefined {
  switch (node.type) {
    case 'empty':
      return {set: [], max: 0}
    case 'char':
      return {set: [node.cp, node.cp], max: 1}
    case 'class': {
      const ranges = plainRanges(node.set)
      return ranges === undefined ? undefined : {set: ranges, max: 1}
    }
    case 'group':
      return boundedRun(node.body)
    case 'repeat': {
      if (node.max < 0) return undefined
      const body = boundedRun(node.body)
      return body === undefined ? undefined : {set: body.set, max: body.max * node.max}
    }
    case 'concat':
    case 'alt': {
      let set: number[] = []
      let max = 0
      for (const item of node.items) {
        if (item.type === 'assert') continue
        const run = boundedRun(item)
        if (run === undefined) return undefined
        set = union(set, run.set)
        max = node.type === 'concat' ? max + run.max : Math.max(max, run.max)
      }
      return {set, max}
    }
    default:
      return undefined
  }
}

/** The ranges of a set without Unicode properties (the parser complements negated plain sets). */
function plainRanges(set: CharSet): number[] | undefined {
  return set.props.length === 0 ? set.ranges : undefined
}

function union(a: number[], b: number[]): number[] {
  if (a.length === 0) return b
  if (b.length === 0) return a
  return normalizeRanges([...a, ...b])
}
