/**
 * DVC's experiment ref layout: `refs/exps/<AA>/<38 hex>/<name>`, where AA + the
 * 38 hex are the baseline commit's sha. Helper refs (`refs/exps/exec/*`,
 * `refs/exps/stash`, `refs/exps/apply/*`, `refs/exps/celery/*`,
 * `refs/exps/temp/*`) are not experiments.
 */
import { TrellisError } from '../../errors.js'

export const EXPS_NAMESPACE = 'refs/exps'

export interface ExpRef {
  /** Full ref name. */
  ref: string
  /** 40-hex baseline sha. */
  baseline: string
  name: string
}

const HELPER_PREFIXES = ['refs/exps/exec/', 'refs/exps/apply/', 'refs/exps/celery/', 'refs/exps/temp/', 'refs/exps/queue/']

/** Parse an experiment ref; undefined for helper refs and anything else. */
export function parseExpRef(ref: string): ExpRef | undefined {
  if (ref === 'refs/exps/stash' || HELPER_PREFIXES.some((p) => ref.startsWith(p))) return undefined
  const parts = ref.split('/')
  if (parts.length !== 5 || parts[0] !== 'refs' || parts[1] !== 'exps') return undefined
  const baseline = parts[2] + parts[3]
  if (!/^[0-9a-f]{40}$/.test(baseline)) return undefined
  return { ref, baseline, name: parts[4] }
}

export function expRefFor(baseline: string, name: string): string {
  return `${EXPS_NAMESPACE}/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`
}

/** The prefix under which a baseline's experiments live. */
export function baselinePrefix(baseline: string): string {
  return `${EXPS_NAMESPACE}/${baseline.slice(0, 2)}/${baseline.slice(2)}/`
}

/**
 * The longest name, in UTF-8 bytes: the ref is a file named after it (`<name>.lock` while git
 * updates it) and a file name has at most 255 bytes on every common file system.
 */
export const MAX_EXP_NAME_BYTES = 250

/**
 * Names must make a valid git ref and may not contain '/' (DVC §3.2): no space,
 * control chars, `~ ^ : ? * [ \`, `..`, `@{`, a leading '.', a trailing '.' or `.lock`,
 * and at most MAX_EXP_NAME_BYTES bytes.
 */
export function validateExpName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8')
  if (bytes > MAX_EXP_NAME_BYTES) {
    throw new TrellisError('EXP_INVALID_NAME', `Invalid exp name '${name.slice(0, 40)}...': ${bytes} bytes long, the limit is ${MAX_EXP_NAME_BYTES}`, {
      hint: `Choose a name of at most ${MAX_EXP_NAME_BYTES} bytes (the experiment's ref is a file named after it).`,
    })
  }
  const bad =
    name === '' ||
    name === '@' ||
    /[\x00-\x20\x7f~^:?*[\\/]/.test(name) ||
    name.includes('..') ||
    name.includes('@{') ||
    name.startsWith('.') ||
    name.startsWith('-') ||
    name.endsWith('.') ||
    name.endsWith('.lock')
  if (bad) {
    throw new TrellisError('EXP_INVALID_NAME', `Invalid exp name '${name}'`, {
      hint: "An experiment name must be a valid git ref component (see `git check-ref-format`): no '/', spaces, '~^:?*[\\', '..', '@{', leading '.' or '-', trailing '.' or '.lock'.",
    })
  }
}
