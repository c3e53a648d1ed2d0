/**
 * Git remotes for experiment refs: listing, pushing and fetching `refs/exps/*`.
 *
 * Two transports behind the store's methods:
 *
 * - `native` (default when `git` is on PATH): git itself, so every transport
 *   git knows works (a local path, `file://`, http(s) smart protocol, ssh)
 *   with the user's credential helpers and `insteadOf` rules, and many refs
 *   move in one process: `git ls-remote`, one `git push --porcelain` with a
 *   `<ref>:<ref>` refspec per experiment, one `git fetch --stdin` (objects
 *   only: no local ref, no FETCH_HEAD is written; the store then updates the
 *   refs with compare-and-swap). `--no-verify`: like DVC, pushing
 *   experiments runs no pre-push hook.
 * - `iso` (default without git): isomorphic-git, http(s) only, one ref per
 *   request (see remote-iso.ts).
 *
 * `TRELLIS_GIT_TRANSPORT=native|iso|auto` (or the plugin option `transport`)
 * forces one. Git never prompts (`GIT_TERMINAL_PROMPT=0`): a remote that
 * needs credentials it cannot find fails with GIT_AUTH_ERROR. Whatever git
 * prints is scrubbed of passwords before it reaches an error message.
 */
import type { RefInfo, RefPushResult } from '@trellis/core/plugin-api'
import type { GitCore } from './core.js'

export type Transport = 'native' | 'iso'

interface GitResult {
  code: number
  stdout: string
  stderr: string
}

export interface RemoteRepo {
  root: string
  gitDir: string
  core: GitCore
}

function remoteEnv(repo: RemoteRepo): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_DIR: repo.gitDir,
    GIT_WORK_TREE: repo.root,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    LC_ALL: 'C',
  }
}

/** Run git (through execa) for a remote operation; the exit code is the caller's to judge. */
async function spawnGit(repo: RemoteRepo, args: string[], input?: string): Promise<GitResult> {
  const { execa } = await import('execa') // loaded on first use: most commands never spawn git
  const result = await execa('git', args, {
    cwd: repo.root,
    env: remoteEnv(repo),
    extendEnv: false,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    reject: false,
    stripFinalNewline: false,
  })
  if (result.exitCode === undefined) {
    const reason = result.cause instanceof Error ? result.cause.message : result.shortMessage
    throw new repo.core.TrellisError('GIT_ERROR', `cannot run git: ${reason}`, { hint: 'Install git, or set TRELLIS_GIT_TRANSPORT=iso for http(s) remotes.' })
  }
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr }
}

/** A remote argument never reaches git as an option. */
export function checkRemoteArg(remote: string, core: GitCore): void {
  if (remote === '' || remote.startsWith('-')) {
    throw new core.TrellisError('INVALID_ARGUMENT', `'${core.redactUrl(remote)}' is not a git remote`, { hint: 'Give a remote name (`git remote -v`), a URL or a path.' })
  }
}

const AUTH_RE = /authentication failed|could not read (username|password)|terminal prompts disabled|access denied|\b401\b|\b403\b|permission denied \(publickey|invalid credentials/i

/** An error about talking to `remote`, built from what git or the library said (passwords masked). */
export function remoteError(core: GitCore, action: string, remote: string, detail: string): Error {
  const { redactText, redactUrl, urlSecrets, TrellisError } = core
  const text = redactText(detail.trim(), urlSecrets(remote))
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
  const last = lines.filter((l) => /^(fatal|error):/i.test(l)).pop() ?? lines.pop() ?? 'unknown error'
  const display = redactUrl(remote)
  if (AUTH_RE.test(text)) {
    return new TrellisError('GIT_AUTH_ERROR', `cannot ${action} git remote '${display}': authentication failed (${last.replace(/^(fatal|error):\s*/i, '')})`, {
      hint: 'Trellis never prompts for credentials: configure a git credential helper or an ssh key for this remote, or put a token in the URL (it is never printed).',
    })
  }
  return new TrellisError('GIT_REMOTE_ERROR', `cannot ${action} git remote '${display}': ${last.replace(/^(fatal|error):\s*/i, '')}`, {
    hint: '`git remote -v` lists the remote names; a URL or a path must point at a git repository.',
  })
}

export async function nativeListRemoteRefs(repo: RemoteRepo, remote: string, prefix: string): Promise<RefInfo[]> {
  const result = await spawnGit(repo, ['ls-remote', '--refs', remote, `${prefix}*`])
  if (result.code !== 0) throw remoteError(repo.core, 'list the refs of', remote, result.stderr)
  const refs: RefInfo[] = []
  for (const line of result.stdout.split('\n')) {
    const match = /^([0-9a-f]{40})\t(\S+)$/.exec(line)
    if (match && match[2]!.startsWith(prefix)) refs.push({ ref: match[2]!, sha: match[1]! })
  }
  return refs.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
}

/** Refspecs per `git push` process (command-line length). */
const PUSH_BATCH = 200

export async function nativePushRefs(repo: RemoteRepo, remote: string, refs: Array<{ ref: string; force?: boolean }>): Promise<RefPushResult[]> {
  const { redactText, urlSecrets } = repo.core
  const results: RefPushResult[] = []
  for (let i = 0; i < refs.length; i += PUSH_BATCH) {
    const batch = refs.slice(i, i + PUSH_BATCH)
    const specs = batch.map(({ ref, force }) => `${force ? '+' : ''}${ref}:${ref}`)
    const result = await spawnGit(repo, ['push', '--porcelain', '--no-verify', remote, ...specs])
    const seen = new Map<string, RefPushResult>()
    for (const line of result.stdout.split('\n')) {
      // <flag> TAB <from>:<to> TAB <summary>
      const match = /^([ +\-*=!])\t([^:\t]*):([^\t]+)\t(.*)$/.exec(line)
      if (!match) continue
      const [, flag, , to, summary] = match
      if (flag === '!') seen.set(to!, { ref: to!, status: 'rejected', reason: redactText(summary!.replace(/^\[(remote )?rejected\]\s*/, '').replace(/^\((.*)\)$/, '$1'), urlSecrets(remote)) })
      else seen.set(to!, { ref: to!, status: 'ok' })
    }
    if (result.code !== 0 && seen.size === 0) throw remoteError(repo.core, 'push to', remote, result.stderr)
    for (const { ref } of batch) results.push(seen.get(ref) ?? { ref, status: 'rejected', reason: redactText(result.stderr.trim(), urlSecrets(remote)) || 'no status reported' })
  }
  return results
}

export async function nativeFetchRefs(repo: RemoteRepo, remote: string, refs: string[]): Promise<void> {
  if (refs.length === 0) return
  const args = ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', '--stdin', remote]
  const result = await spawnGit(repo, args, `${refs.join('\n')}\n`)
  if (result.code !== 0) throw remoteError(repo.core, 'fetch from', remote, result.stderr)
}
