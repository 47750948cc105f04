/**
 * The little IP handling alert sources need (scenarios.md §13.1): Go's net.ParseIP validity
 * and net.ParseCIDR network normalisation (`91.121.79.195/21` -> `91.121.72.0/21`).
 * Hand-written parsers, no regex on attacker text.
 */

/** IPv4 dotted quad, Go rules: 4 decimal octets <= 255, no leading zeros. */
export function parseIPv4(text: string): number[] | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const out: number[] = []
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return null
    if (p.length > 1 && p[0] === '0') return null
    let n = 0
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i) - 48
      if (c < 0 || c > 9) return null
      n = n * 10 + c
    }
    if (n > 255) return null
    out.push(n)
  }
  return out
}

/** IPv6 as 8 16-bit groups (an embedded trailing IPv4 allowed); null when invalid. Zones are rejected. */
export function parseIPv6(text: string): number[] | null {
  if (text.length < 2 || text.length > 45) return null
  let head: string[]
  let tail: string[] = []
  const dbl = text.indexOf('::')
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return null
    head = dbl === 0 ? [] : text.slice(0, dbl).split(':')
    tail = dbl + 2 === text.length ? [] : text.slice(dbl + 2).split(':')
  } else {
    head = text.split(':')
  }
  const groups = (parts: string[]): number[] | null => {
    const out: number[] = []
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p)
        if (v4 === null) return null
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
        continue
      }
      if (p.length === 0 || p.length > 4) return null
      let n = 0
      for (let j = 0; j < p.length; j++) {
        const c = p.charCodeAt(j)
        let d: number
        if (c >= 48 && c <= 57) d = c - 48
        else if (c >= 97 && c <= 102) d = c - 87
        else if (c >= 65 && c <= 70) d = c - 55
        else return null
        n = n * 16 + d
      }
      out.push(n)
    }
    return out
  }
  const h = groups(head)
  const t = groups(tail)
  if (h === null || t === null) return null
  if (dbl >= 0) {
    const missing = 8 - h.length - t.length
    if (missing < 1) return null
    return [...h, ...new Array<number>(missing).fill(0), ...t]
  }
  return h.length === 8 ? h : null
}

export function isValidIP(text: string): boolean {
  return text.includes(':') ? parseIPv6(text) !== null : parseIPv4(text) !== null
}

function formatIPv6(g: number[]): string {
  let bestStart = -1, bestLen = 0
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i }
    i = j
  }
  const hex = g.map((n) => n.toString(16))
  if (bestStart < 0) return hex.join(':')
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':')
}

/** Go net.ParseCIDR(text) -> IPNet.String(); null when invalid. */
export function normalizeCidr(text: string): string | null {
  const slash = text.indexOf('/')
  if (slash < 0) return null
  const addr = text.slice(0, slash)
  const bitsText = text.slice(slash + 1)
  if (!/^\d{1,3}$/.test(bitsText) || (bitsText.length > 1 && bitsText[0] === '0')) return null
  const bits = Number(bitsText)
  const v4 = addr.includes(':') ? null : parseIPv4(addr)
  if (v4 !== null) {
    if (bits > 32) return null
    const out = v4.map((octet, i) => {
      const keep = Math.max(0, Math.min(8, bits - i * 8))
      return octet & ((0xff << (8 - keep)) & 0xff)
    })
    return `${out.join('.')}/${bits}`
  }
  const v6 = parseIPv6(addr)
  if (v6 === null || bits > 128) return null
  const out = v6.map((group, i) => {
    const keep = Math.max(0, Math.min(16, bits - i * 16))
    return group & ((0xffff << (16 - keep)) & 0xffff)
  })
  return `${formatIPv6(out)}/${bits}`
}
