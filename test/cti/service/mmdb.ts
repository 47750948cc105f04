/**
 * A tiny MaxMind DB writer for tests: an IPv4 database mapping prefixes to `{autonomous_system_number}`, as
 * GeoLite2-ASN has them (search tree of 24-bit records, a data section, metadata; MaxMind DB format 2.0).
 */

function uint(type: number, n: number): Buffer {
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  return Buffer.from([(type << 5) | bytes.length, ...bytes])
}

function str(text: string): Buffer {
  const b = Buffer.from(text, 'utf8')
  if (b.length >= 29) throw new Error('test mmdb: strings under 29 bytes only')
  return Buffer.concat([Buffer.from([(2 << 5) | b.length]), b])
}

function map(entries: [string, Buffer][]): Buffer {
  return Buffer.concat([Buffer.from([(7 << 5) | entries.length]), ...entries.flatMap(([k, v]) => [str(k), v])])
}

/** uint64 and arrays have extended types (type 0, then type - 7 in the next byte). */
function extended(type: number, size: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([size, type - 7]), body])
}

export function asnDatabase(prefixes: readonly [string, number][]): Buffer {
  // the data section: one record per ASN
  const data: Buffer[] = []
  const offsets = new Map<number, number>()
  let size = 0
  for (const [, asn] of prefixes) {
    if (offsets.has(asn)) continue
    const record = map([['autonomous_system_number', uint(6, asn)]])
    offsets.set(asn, size)
    data.push(record)
    size += record.length
  }
  // the search tree: nodes of [left, right], each a node index or a leaf {asn}
  type Ref = number | {asn: number} | null
  const nodes: [Ref, Ref][] = [[null, null]]
  for (const [cidr, asn] of prefixes) {
    const [ip, bitsText] = cidr.split('/')
    const bits = Number(bitsText)
    const value = ip!.split('.').reduce((a, o) => a * 256 + Number(o), 0)
    let node = 0
    for (let i = 0; i < bits; i++) {
      const bit = Math.floor(value / 2 ** (31 - i)) % 2
      if (i === bits - 1) {
        nodes[node]![bit] = {asn}
        break
      }
      let next = nodes[node]![bit]
      if (typeof next !== 'number') {
        next = nodes.length
        nodes.push([null, null])
        nodes[node]![bit] = next
      }
      node = next
    }
  }
  const count = nodes.length
  const tree = Buffer.alloc(count * 6)
  const record = (r: Ref): number => (r === null ? count : typeof r === 'number' ? r : count + 16 + offsets.get(r.asn)!)
  nodes.forEach(([l, r], i) => {
    tree.writeUIntBE(record(l), i * 6, 3)
    tree.writeUIntBE(record(r), i * 6 + 3, 3)
  })
  const metadata = map([
    ['node_count', uint(6, count)],
    ['record_size', uint(5, 24)],
    ['ip_version', uint(5, 4)],
    ['database_type', str('Test-ASN')],
    ['languages', extended(11, 0, Buffer.alloc(0))],
    ['binary_format_major_version', uint(5, 2)],
    ['binary_format_minor_version', uint(5, 0)],
    ['build_epoch', extended(9, 4, Buffer.from([0x60, 0, 0, 0]))],
    ['description', map([])],
  ])
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), metadata])
}
