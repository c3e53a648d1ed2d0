/**
 * A tiny Python pickle writer (protocol 2) for the values DVC keeps in
 * `.dvc/tmp/repro.dat` of a queued experiment: dicts, lists, empty tuples,
 * strings, booleans, None and small integers. Enough for DVC to run a queue
 * entry Trellis made; Trellis itself never reads pickles.
 */
export type PickleValue = null | boolean | number | string | PickleValue[] | { readonly tuple: PickleValue[] } | { [key: string]: PickleValue }

export function pickle(value: PickleValue): Buffer {
  const parts: Buffer[] = [Buffer.from([0x80, 0x02])]
  write(value, parts)
  parts.push(Buffer.from('.'))
  return Buffer.concat(parts)
}

function write(value: PickleValue, out: Buffer[]): void {
  if (value === null) out.push(Buffer.from('N'))
  else if (value === true) out.push(Buffer.from([0x88]))
  else if (value === false) out.push(Buffer.from([0x89]))
  else if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new RangeError(`cannot pickle ${value}`)
    const b = Buffer.alloc(5)
    b[0] = 0x4a // BININT
    b.writeInt32LE(value, 1)
    out.push(b)
  } else if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8')
    const head = Buffer.alloc(5)
    head[0] = 0x58 // BINUNICODE
    head.writeUInt32LE(text.length, 1)
    out.push(head, text)
  } else if (Array.isArray(value)) {
    out.push(Buffer.from(']')) // EMPTY_LIST
    if (value.length > 0) {
      out.push(Buffer.from('('))
      for (const item of value) write(item, out)
      out.push(Buffer.from('e')) // APPENDS
    }
  } else if (isTuple(value)) {
    if (value.tuple.length === 0) out.push(Buffer.from(')'))
    else {
      out.push(Buffer.from('('))
      for (const item of value.tuple) write(item, out)
      out.push(Buffer.from('t')) // TUPLE
    }
  } else {
    out.push(Buffer.from('}')) // EMPTY_DICT
    const entries = Object.entries(value)
    if (entries.length > 0) {
      out.push(Buffer.from('('))
      for (const [k, v] of entries) {
        write(k, out)
        write(v, out)
      }
      out.push(Buffer.from('u')) // SETITEMS
    }
  }
}

function isTuple(value: object): value is { tuple: PickleValue[] } {
  return Object.keys(value).length === 1 && Array.isArray((value as { tuple?: unknown }).tuple)
}
