/**
 * Log type detection from a sample of lines, for inputs given without `--type`/`PATH:TYPE`.
 *
 * Two steps: line signatures (anchored regexes with bounded repetition only: they run on
 * attacker text) vote for families — syslog (RFC 3164, RFC 5424, ISO-timestamped), access logs
 * (nginx/apache combined), nginx and apache error logs. Then, when the caller can parse, every
 * candidate type is tried on the sample with the loaded parsers (`trial`), and the type under
 * which most lines parse wins; ties keep signature order (so the trials stop at the first type that
 * parses every line). The result says how it was chosen.
 */

export interface TypeDetection {
  /** The chosen type, or undefined when nothing fits (the caller falls back and says so). */
  type: string | undefined
  /** How it was chosen, for the report: `signature`, `parsers` (trial), or `none`. */
  method: 'signature' | 'parsers' | 'none'
  /** Lines in the sample. */
  sampled: number
  /** Per candidate: lines matching its signature or, after a trial, lines parsed (candidates tried). */
  scores: Record<string, number>
}

interface Signature {
  types: string[]
  pattern: RegExp
}

const SIGNATURES: readonly Signature[] = [
  // RFC 3164: "Mar  2 06:00:01 host prog[pid]: msg", optionally with a <PRI>.
  {types: ['syslog'], pattern: /^(?:<\d{1,3}>)?[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S/},
  // RFC 5424: "<34>1 2026-03-02T06:00:01Z host app ..."
  {types: ['syslog'], pattern: /^<\d{1,3}>1 \d{4}-\d\d-\d\dT/},
  // rsyslog high-precision timestamps: "2026-03-02T06:00:01.123+01:00 host prog: msg"
  {types: ['syslog'], pattern: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d) [^ ]{1,255} [^ ]{1,255}: /},
  // combined / common access log: 1.2.3.4 - user [02/Mar/2026:06:00:01 +0000] "GET ...
  {types: ['nginx', 'apache2'], pattern: /^[^ ]{1,255} [^ ]{1,255} [^ ]{1,255} \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "/},
  // vhost_combined: "example.com:80 1.2.3.4 - - [...]"
  {types: ['apache2', 'nginx'], pattern: /^[^ ]{1,255} [^ ]{1,255} [^ ]{1,255} [^ ]{1,255} \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "/},
  // nginx error log: 2026/03/02 06:00:01 [error] 123#123: *1 ...
  {types: ['nginx'], pattern: /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[[a-z]{1,10}\] \d{1,10}#\d{1,10}: /},
  // apache 2.4 error log: [Mon Mar 02 06:00:01.123456 2026] [core:error] ...
  {types: ['apache2'], pattern: /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,9})? \d{4}\] \[/},
]

export interface DetectOptions {
  /** Extra candidate types (for example the types the loaded parsers filter on). */
  candidates?: readonly string[]
  /** Parses the sample under a type and returns how many lines parsed; enables the trial step. */
  trial?: (type: string, lines: readonly string[]) => number
}

export function detectLogType(sample: readonly string[], options: DetectOptions = {}): TypeDetection {
  const votes = new Map<string, number>()
  for (const line of sample) {
    for (const signature of SIGNATURES) {
      if (!signature.pattern.test(line)) continue
      for (const type of signature.types) votes.set(type, (votes.get(type) ?? 0) + 1)
      break
    }
  }
  const bySignature = [...votes.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t)
  const scores: Record<string, number> = Object.fromEntries(votes)
  if (options.trial !== undefined && sample.length > 0) {
    const candidates = [...bySignature]
    for (const c of options.candidates ?? []) if (!candidates.includes(c)) candidates.push(c)
    let best: string | undefined
    let bestScore = 0
    const trialScores: Record<string, number> = {}
    for (const type of candidates) {
      const parsed = options.trial(type, sample)
      trialScores[type] = parsed
      if (parsed > bestScore) {
        best = type
        bestScore = parsed
      }
      // every line parsed: a later candidate could only tie, and ties keep the earlier one (the
      // candidates left untried are not scored: a syslog trial runs SYSLOGLINE on the exact engine)
      if (parsed === sample.length) break
    }
    if (best !== undefined) return {type: best, method: 'parsers', sampled: sample.length, scores: trialScores}
  }
  if (bySignature.length > 0) return {type: bySignature[0], method: 'signature', sampled: sample.length, scores}
  return {type: undefined, method: 'none', sampled: sample.length, scores}
}

/**
 * The log types parser filters test for: `evt.Parsed.program == 'nginx'`, `startsWith 'x'`,
 * `in ['a', 'b']`, and `evt.Line.Labels.type == 'x'`. Runs on hub text, not on logs.
 */
export function typesFromFilters(filters: readonly string[]): string[] {
  const found = new Set<string>()
  const single = /(?:Parsed\.program|Labels\.type)\s{0,5}(?:==|startsWith|contains)\s{0,5}["']([A-Za-z0-9_.-]{1,64})["']/g
  const list = /(?:Parsed\.program|Labels\.type)\s{1,5}in\s{0,5}\[([^\]]{0,512})\]/g
  for (const filter of filters) {
    for (const m of filter.matchAll(single)) found.add(m[1]!)
    for (const m of filter.matchAll(list)) {
      for (const item of m[1]!.matchAll(/["']([A-Za-z0-9_.-]{1,64})["']/g)) found.add(item[1]!)
    }
  }
  return [...found].sort()
}
