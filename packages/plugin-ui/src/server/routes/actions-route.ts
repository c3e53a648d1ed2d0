/**
 * The actions, each the core call the CLI command makes: POST /api/run (`exp
 * run [--queue] -S … [-n]`, sweeps included), /api/apply (`exp apply [--force]`),
 * /api/branch, /api/remove, /api/push (`exp push <remote> <exps>`).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Hono } from 'hono'
import type { ApplyResponse, BranchResponse, PushResponse, RemoveResponse, RunResponse } from '../../api-types.js'
import { HttpError } from '../api-error.js'
import type { ServerContext } from '../context.js'
import { jsonBody, optionalBoolean, optionalString, stringField, stringList } from '../request-body.js'
import { sendJson } from '../send-json.js'
import { runInWorkspace } from '../workspace-run.js'

export function actionsRoute(app: Hono, ctx: ServerContext): void {
  app.post('/api/run', async (c) => {
    const body = await jsonBody(c)
    const setParams = stringList(body, 'setParams')
    const name = optionalString(body, 'name')
    const queue = optionalBoolean(body, 'queue') ?? false
    const askedSweep = optionalBoolean(body, 'sweep') ?? false
    const core = await import('@trellis/core')
    const warnings: string[] = []
    const options = { setParams, name, onWarning: (w: string) => warnings.push(w), log: () => {} }
    if (askedSweep || core.isSweep(setParams)) {
      // as `exp run -S <sweep>`: every combination checked first; --queue queues them, otherwise they run now in temporary workspaces
      const plan = await core.planSweep(ctx.project, options)
      const { entries } = await core.queueSweep(ctx.project, plan, { ...options, jobs: 1 })
      const ids = entries.map((e) => e.id)
      if (!queue) ctx.queue.start({ jobs: 1, ids })
      const response: RunResponse = { queued: ids, started: !queue, sweep: plan.id }
      return sendJson(c, response, 202)
    }
    if (queue) {
      const { entry } = await core.queueExperiment(ctx.project, { ...options, jobs: 1 })
      const response: RunResponse = { queued: [entry.id], started: false }
      return sendJson(c, response, 202)
    }
    // `exp run` in the workspace: checked (name, pipeline) before the response, then run in the background
    await core.checkExpRun(await ctx.project.services.get('gitRepository'), name, false)
    runInWorkspace(ctx, options)
    const response: RunResponse = { queued: [], started: true }
    return sendJson(c, response, 202)
  })

  app.post('/api/apply', async (c) => {
    const body = await jsonBody(c)
    const exp = stringField(body, 'exp')
    const { applyExperiment, optionalQueuedExperiments } = await import('@trellis/core')
    try {
      const result = await applyExperiment(ctx.project, exp, { force: optionalBoolean(body, 'force') ?? false, queued: await optionalQueuedExperiments(ctx.project) })
      const response: ApplyResponse = { exp: result.name, commit: result.sha, files: result.files, outputs: result.outputs, overwritten: result.overwritten }
      return sendJson(c, response)
    } catch (error) {
      // a refusal names the paths: the page lists them next to the "force" choice
      if ((error as { code?: string }).code === 'EXP_APPLY_CONFLICT') Object.assign(error as object, { paths: conflictPaths((error as Error).message) })
      throw error
    }
  })

  app.post('/api/branch', async (c) => {
    const body = await jsonBody(c)
    const { branchExperiment } = await import('@trellis/core')
    const store = await ctx.project.services.get('gitRepository')
    const result = await branchExperiment(store, stringField(body, 'exp'), stringField(body, 'branch'))
    const response: BranchResponse = { branch: result.branch, commit: result.exp.sha }
    return sendJson(c, response)
  })

  app.post('/api/remove', async (c) => {
    const body = await jsonBody(c)
    const { optionalQueuedExperiments, removeExperiments } = await import('@trellis/core')
    const store = await ctx.project.services.get('gitRepository')
    const queued = await optionalQueuedExperiments(ctx.project)
    const result = await removeExperiments(store, { names: stringList(body, 'exps', { nonEmpty: true }), queued })
    const response: RemoveResponse = { removed: result.removed }
    return sendJson(c, response)
  })

  app.post('/api/push', async (c) => {
    const body = await jsonBody(c)
    const remote = stringField(body, 'remote')
    const exps = stringList(body, 'exps', { nonEmpty: true })
    // the page pushes to the repository's configured git remotes only, never to a URL or path it was sent
    const remotes = await gitRemotes(ctx.project.gitRoot)
    if (!remotes.includes(remote)) {
      throw new HttpError(400, 'UI_BAD_REQUEST', `'${remote}' is not a git remote of this repository${remotes.length ? ` (${remotes.join(', ')})` : ''}`, 'Add it with `git remote add <name> <url>`, or push from the CLI.')
    }
    const { pushExperiments, throwIfTransferFailed, TrellisError } = await import('@trellis/core')
    const warnings: string[] = []
    const result = await pushExperiments(ctx.project, remote, { names: exps, onWarning: (w) => warnings.push(w) })
    throwIfTransferFailed(result, 'push')
    const failed = result.experiments.filter((e) => e.status === 'failed')
    if (failed.length) {
      throw new TrellisError('GIT_REMOTE_ERROR', `${failed.length} experiment${failed.length > 1 ? 's' : ''} could not be pushed to '${result.gitRemote}': ${failed[0]!.reason}`, {
        hint: 'Fix the remote and push again.',
      })
    }
    const response: PushResponse = {
      pushed: result.experiments.filter((e) => e.status === 'created' || e.status === 'updated' || e.status === 'forced').map((e) => e.name),
      experiments: result.experiments.map((e) => ({ name: e.name, status: e.status, ...(e.reason ? { reason: e.reason } : {}) })),
      warnings,
    }
    return sendJson(c, response)
  })
}

/** The paths an EXP_APPLY_CONFLICT names: its message lists them as `\t<path> (<reason>)`. */
export function conflictPaths(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('\t'))
    .map((line) => line.slice(1).replace(/ \([^)]*\)$/, ''))
}

async function gitRemotes(gitRoot: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('git', ['remote'], { cwd: gitRoot })
  return stdout.split('\n').filter(Boolean)
}
