/** GET /api/checkpoints?exp=REF: a checkpoint experiment's chain, oldest first, each commit with its metrics (as `exp show` reads them). */
import type { Hono } from 'hono'
import type { CheckpointsResponse } from '../../api-types.js'
import type { ServerContext } from '../context.js'
import { queryParam } from '../request-body.js'
import { sendJson } from '../send-json.js'

export function checkpointsRoute(app: Hono, ctx: ServerContext): void {
  app.get('/api/checkpoints', async (c) => {
    const exp = queryParam(c, 'exp')
    const core = await import('@trellis/core')
    const reader = await core.RevReader.open(ctx.project)
    const resolved = await core.resolveRevOrThrow(reader.store, exp)
    if (!resolved.exp) {
      throw new core.TrellisError('EXP_NOT_FOUND', `'${exp}' is not an experiment`, { hint: 'Pass an experiment name or its ref (refs/exps/...).' })
    }
    const chain = (await core.expChain(reader.store, { ...resolved.exp, sha: resolved.sha })).reverse()
    const view = { root: ctx.project.root, cwd: ctx.project.cwd }
    const checkpoints: CheckpointsResponse['checkpoints'] = []
    for (const rev of chain) {
      const metrics: Record<string, unknown> = {}
      for (const [file, entry] of Object.entries(core.viewMetrics(await reader.data(rev), view))) {
        if (entry.error === undefined) metrics[file] = entry.data
      }
      checkpoints.push({ rev, metrics })
    }
    await reader.save()
    const body: CheckpointsResponse = { ref: resolved.exp.ref, name: resolved.exp.name, checkpoints }
    return sendJson(c, body)
  })
}
