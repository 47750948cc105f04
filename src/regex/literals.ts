/**
 * Required literals of an RE2 tree: a set of strings such that every match of the pattern
 * contains at least one of them (a necessary condition, used to skip a regex, or a whole
 * scenario filter, when none occurs in the text). Built bottom-up:
 *
 *   exact(N)  the finite set of strings N can match (small sets only), when known
 *   req(N)    strings one of which every match of N contains, when known
 *
 * A concatenation multiplies adjacent exact sets into runs and keeps its best factor; an
 * alternation is the union of its branches (each must have one); a repeat with min >= 1 keeps
 * its body's; a small class (such as a `(?i)` letter, already a folding class after parsing)
 * is the exact set of its code points. Sets containing '' are useless and dropped.
 */
import type {Re2Node} from './syntax.js'

/** Largest exact set kept (products of classes grow fast). */
const MAX_SET = 32
/** Largest class expanded into its members. */
const MAX_CLASS = 4

interface Info {
  exact?: string[]
  req?: string[]
}

function uniq(list: string[]): string[] {
  return [...new Set(list)]
}

function product(a: string[], b: string[]): string[] | undefined {
  if (a.length * b.length > MAX_SET) return undefined
  const out: string[] = []
  for (const x of a) for (const y of b) out.push(x + y)
  return uniq(out)
}

/** Higher is better: longer shortest string, then fewer strings; -1 = useless. */
function score(set: string[] | undefined): number {
  if (set === undefined || set.length === 0) return -1
  let min = Infinity
  for (const s of set) min = Math.min(min, s.length)
  if (min === 0) return -1
  return min * 100 - set.length
}

function best(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  return score(b) > score(a) ? b : a
}

function classMembers(node: Extract<Re2Node, {type: 'class'}>): string[] | undefined {
  const set = node.set
  if (set.props.length > 0) return undefined
  const out: string[] = []
  for (let k = 0; k < set.ranges.length; k += 2) {
    const lo = set.ranges[k]!, hi = set.ranges[k + 1]!
    if (hi - lo + 1 + out.length > MAX_CLASS) return undefined
    for (let cp = lo; cp <= hi; cp++) out.push(String.fromCodePoint(cp))
  }
  return out.length > 0 ? out : undefined
}

function info(node: Re2Node): Info {
  switch (node.type) {
    case 'empty':
    case 'assert':
      return {exact: ['']}
    case 'char': {
      const s = String.fromCodePoint(node.cp)
      return {exact: [s], req: [s]}
    }
    case 'class': {
      const members = classMembers(node)
      return members === undefined ? {} : {exact: members, req: members}
    }
    case 'any':
      return {}
    case 'group':
      return info(node.body)
    case 'concat': {
      let run: string[] = ['']
      let exactAll = true
      let chosen: string[] | undefined
      for (const item of node.items) {
        const i = info(item)
        chosen = best(chosen, i.req)
        const next = i.exact === undefined ? undefined : product(run, i.exact)
        if (next !== undefined) {
          run = next
          continue
        }
        exactAll = false
        chosen = best(chosen, run)
        run = i.exact ?? ['']
      }
      chosen = best(chosen, run)
      const out: Info = {}
      if (exactAll) out.exact = run
      if (score(chosen) > 0) out.req = chosen
      return out
    }
    case 'alt': {
      const infos = node.items.map(info)
      const out: Info = {}
      if (infos.every((i) => i.exact !== undefined)) {
        const all = uniq(infos.flatMap((i) => i.exact!))
        if (all.length <= MAX_SET) out.exact = all
      }
      const reqs = infos.map((i) => (score(i.req) > 0 ? i.req : score(i.exact) > 0 ? i.exact : undefined))
      if (reqs.every((r) => r !== undefined)) {
        const all = uniq(reqs.flatMap((r) => r!))
        if (all.length <= MAX_SET * 2) out.req = all
      }
      return out
    }
    case 'repeat': {
      const i = info(node.body)
      const out: Info = {}
      if (node.min === 0) {
        if (node.max === 1 && i.exact !== undefined) out.exact = uniq(['', ...i.exact])
        else if (node.max === 0) out.exact = ['']
        return out
      }
      if (node.min === node.max && i.exact !== undefined) {
        let run: string[] | undefined = ['']
        for (let k = 0; k < node.min && run !== undefined; k++) run = product(run, i.exact)
        if (run !== undefined) out.exact = run
      }
      const inner = score(i.req) > 0 ? i.req : i.exact
      if (score(inner) > 0) out.req = best(inner, out.exact)
      return out
    }
  }
}

/**
 * Strings one of which every match of `root` contains, or undefined when no such set is known
 * (never a set containing '').
 */
export function requiredLiterals(root: Re2Node): string[] | undefined {
  const i = info(root)
  const set = best(i.req, i.exact)
  return score(set) > 0 ? set : undefined
}
