/**
 * The one string order crowd sorts by: Go's (CrowdSec sorts files, names and map keys by their
 * UTF-8 bytes). The same on every machine and in every locale, unlike localeCompare, whose order
 * follows the ICU data and the default locale (and whose first call costs ~10 ms, setting up
 * ICU's collator).
 */

/** Byte-wise (UTF-8) comparison; UTF-16 order differs only for astral vs U+E000..U+FFFF. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) {
      const sx = x >= 0xd800 && x <= 0xdfff
      const sy = y >= 0xd800 && y <= 0xdfff
      if (sx !== sy && (x >= 0xe000 || y >= 0xe000)) return sx ? 1 : -1
      return x - y
    }
  }
  return a.length - b.length
}
