/**
 * The Redis queue's settings: the `queue` mapping of the trellis config
 * (`queue: {backend: redis, url: redis://host:port/db, gitRemote: origin, attempts: 3, autoPull: true}`),
 * with `TRELLIS_QUEUE_URL` taking the place of `url` (so a password need not be committed).
 */
import type { Trellis } from '@trellis/core/plugin-api'

export interface RedisQueueSettings {
  /** `redis://[:password@]host:port/db` (or `rediss://`). */
  url: string
  /** The git remote entries and experiments travel through (a remote name or URL). */
  gitRemote: string
  /** Runs per entry when a run fails for a reason that may pass (a remote unreachable); a failing command is not retried. */
  attempts: number
  /** Seconds between such retries. */
  retryDelaySeconds: number
  /** Pull finished experiments when `queue status` / `exp show` list them done. */
  autoPull: boolean
  /** The BullMQ queue's name (several projects can share one Redis under different names). */
  name: string
  /** How long a worker's claim lasts without renewal: a worker that died is noticed after about this long. */
  lockSeconds: number
}

const KEYS = new Set(['backend', 'url', 'gitRemote', 'attempts', 'retryDelaySeconds', 'autoPull', 'name', 'lockSeconds'])

export function readSettings(trellis: Trellis, env: NodeJS.ProcessEnv = process.env): RedisQueueSettings {
  const { TrellisError } = trellis.core
  const raw = (trellis.settings.queue ?? {}) as Record<string, unknown>
  const where = "the trellis config's 'queue' mapping"
  const bad = (key: string, what: string) =>
    new TrellisError('CONFIG_INVALID', `${where}: '${key}' must be ${what}`, {
      hint: 'Example: queue: {backend: redis, url: redis://127.0.0.1:6379/0, gitRemote: origin, attempts: 3}',
    })
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) throw bad(key, `one of ${[...KEYS].join(', ')} (unknown key)`)
  const url = env.TRELLIS_QUEUE_URL || raw.url
  if (typeof url !== 'string' || !/^rediss?:\/\/[^/\s]+(\/\d+)?\/?$/.test(url)) {
    throw new TrellisError('CONFIG_INVALID', url === undefined ? `${where} has no 'url' and TRELLIS_QUEUE_URL is not set` : `${where}: 'url' must be redis://host:port/db (got '${trellis.core.redactUrl(String(url))}')`, {
      hint: 'Set queue: {backend: redis, url: redis://host:6379/0} in the trellis config, or TRELLIS_QUEUE_URL.',
    })
  }
  const int = (key: string, fallback: number, min: number) => {
    const value = raw[key] ?? fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw bad(key, `a number ≥ ${min}`)
    return value
  }
  const gitRemote = raw.gitRemote ?? 'origin'
  if (typeof gitRemote !== 'string' || !gitRemote || gitRemote.startsWith('-')) throw bad('gitRemote', 'a git remote name or URL')
  const name = raw.name ?? 'trellis'
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) throw bad('name', 'letters, digits, dots, dashes or underscores')
  if (raw.autoPull !== undefined && typeof raw.autoPull !== 'boolean') throw bad('autoPull', 'true or false')
  return {
    url,
    gitRemote,
    attempts: Math.floor(int('attempts', 1, 1)),
    retryDelaySeconds: int('retryDelaySeconds', 5, 0),
    autoPull: raw.autoPull === true,
    name,
    lockSeconds: int('lockSeconds', 30, 1),
  }
}
