/**
 * Expanding sweep overrides (override-grammar.ts) into concrete combinations.
 *
 * - Grid: the cartesian product of every sweeping override's values, in a stable order: the
 *   first sweeping `-S` varies slowest, the last fastest (as Hydra's basic sweeper orders
 *   them). `choice`/comma lists give their values in order; `range(start, stop, step)` gives
 *   `start + i*step` while below `stop` (above it for a negative step), ints for int
 *   arguments, floats (rounded to 12 significant digits, so `range(0,1,0.1)` has 0.3) if any
 *   argument is a float. `interval`, `loguniform` and `randint` need random search.
 * - Random: `samples` combinations, each override drawn independently with a seeded
 *   generator (util/seeded-random.ts), so the same seed gives the same combinations: choice
 *   and range uniformly over their values, `interval` uniformly in [lo, hi), `loguniform`
 *   log-uniformly in [lo, hi), `randint` an integer in [lo, hi). Continuous draws are rounded
 *   to 6 significant digits.
 *
 * The count is checked against `maxRuns` before anything is enumerated.
 */
import { TrellisError } from '../errors.js'
import { seededRandom } from '../util/seeded-random.js'
import { PyFloat } from '../util/python-json.js'
import { overrideError, RANDOM_ONLY, type ParsedOverride, type SweepSpec } from './override-grammar.js'

/** One override with its value in a combination (`hasValue` false for a bare `~key`). */
export interface Assignment {
  override: ParsedOverride
  value: unknown
  hasValue: boolean
}

export interface ExpandOptions {
  mode?: 'grid' | 'random'
  /** Random search: how many combinations. */
  samples?: number
  /** Random search: the seed. */
  seed?: string | number
  /** More combinations than this is an error (default 100). */
  maxRuns?: number
}

export const DEFAULT_MAX_RUNS = 100

function round(x: number, digits: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits))
}

/** How many values a range has. */
export function rangeLength(spec: Extract<SweepSpec, { fn: 'range' }>): number {
  const n = Math.ceil(round((spec.stop - spec.start) / spec.step, 12))
  return Math.max(0, n)
}

/** The i-th value of a range. */
export function rangeValue(spec: Extract<SweepSpec, { fn: 'range' }>, i: number): unknown {
  const x = spec.start + i * spec.step
  if (!spec.float) return x
  const r = round(x, 12)
  return Number.isInteger(r) ? new PyFloat(r) : r
}

function discreteCount(spec: SweepSpec): number {
  if (spec.fn === 'choice') return spec.values.length
  if (spec.fn === 'range') return rangeLength(spec)
  return Infinity
}

function discreteValue(spec: SweepSpec, i: number): unknown {
  if (spec.fn === 'choice') return spec.values[i]
  if (spec.fn === 'range') return rangeValue(spec, i)
  throw new Error(`internal: ${spec.fn} is not discrete`)
}

function tooMany(count: number | string, maxRuns: number, what: string): TrellisError {
  return new TrellisError('SWEEP_TOO_LARGE', `The sweep has ${count} ${what}, more than --max-runs ${maxRuns}`, {
    hint: `Raise --max-runs (e.g. --max-runs ${typeof count === 'number' && Number.isFinite(count) ? count : maxRuns * 10}), sweep fewer values, or use --sweep random --samples N.`,
  })
}

function fixed(o: ParsedOverride): Assignment {
  return { override: o, value: o.value, hasValue: o.op !== 'delete' || o.rawValue.trim() !== '' }
}

/** Every combination of the overrides (each a full list of assignments, in the overrides' order). */
export function expandSweep(overrides: ParsedOverride[], options: ExpandOptions = {}): Assignment[][] {
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS
  const sweeping = overrides.filter((o) => o.sweep)
  if ((options.mode ?? 'grid') === 'random') {
    const samples = options.samples
    if (samples === undefined || !Number.isInteger(samples) || samples < 1) {
      throw new TrellisError('INVALID_ARGUMENT', '--sweep random needs --samples N (a positive number of experiments)', {
        hint: 'e.g. trellis exp run --sweep random --samples 20 --seed 1 -S "train.lr=loguniform(1e-4,1e-1)"',
      })
    }
    if (samples > maxRuns) throw tooMany(samples, maxRuns, 'samples')
    const random = seededRandom(options.seed ?? 0)
    const out: Assignment[][] = []
    for (let n = 0; n < samples; n++) {
      out.push(overrides.map((o) => (o.sweep ? { override: o, value: sample(o.sweep, random), hasValue: true } : fixed(o))))
    }
    return out
  }
  for (const o of sweeping) {
    if (RANDOM_ONLY.has(o.sweep!.fn)) {
      throw overrideError(o.arg, o.valueOffset, `${o.sweep!.fn}() is for random search: add --sweep random --samples N`)
    }
  }
  const counts = sweeping.map((o) => discreteCount(o.sweep!))
  let total = 1
  for (const c of counts) {
    total *= c
    if (total > maxRuns) throw tooMany(counts.reduce((a, b) => a * b, 1), maxRuns, 'combinations')
  }
  const out: Assignment[][] = []
  const index = counts.map(() => 0)
  for (let n = 0; n < total; n++) {
    let k = 0
    out.push(
      overrides.map((o) => {
        if (!o.sweep) return fixed(o)
        const i = index[k++]
        return { override: o, value: discreteValue(o.sweep, i), hasValue: true }
      }),
    )
    // odometer: the last sweeping override turns fastest
    for (let d = counts.length - 1; d >= 0; d--) {
      if (++index[d] < counts[d]) break
      index[d] = 0
    }
  }
  return out
}

function sample(spec: SweepSpec, random: ReturnType<typeof seededRandom>): unknown {
  switch (spec.fn) {
    case 'choice':
      return spec.values[random.below(spec.values.length)]
    case 'range':
      return rangeValue(spec, random.below(rangeLength(spec)))
    case 'randint':
      return spec.lo + random.below(spec.hi - spec.lo)
    case 'interval':
      return continuous(spec.lo + random.next() * (spec.hi - spec.lo), spec.hi)
    case 'loguniform': {
      const lo = Math.log(spec.lo)
      return continuous(Math.exp(lo + random.next() * (Math.log(spec.hi) - lo)), spec.hi)
    }
  }
}

/** A continuous draw rounded to 6 significant digits (unless that reaches the exclusive `hi`), always a float. */
function continuous(x: number, hi: number): number | PyFloat {
  const r = round(x, 6) < hi ? round(x, 6) : x
  return Number.isInteger(r) ? new PyFloat(r) : r
}
