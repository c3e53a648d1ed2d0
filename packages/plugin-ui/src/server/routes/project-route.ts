/** GET /api/project: the repository, its baseline (HEAD) and the baseline's params (to pre-fill the run form). */
import type { Hono } from 'hono'
import type { ProjectInfo } from '../../api-types.js'
import type { ServerContext } from '../context.js'
import { sendJson } from '../send-json.js'

export function projectRoute(app: Hono, ctx: ServerContext): void {
  app.get('/api/project', async (c) => {
    const { collectExpShow } = await import('@trellis/core')
    // the same reading as `exp show -n 1`: the baseline row holds HEAD's params and metrics per file
    const data = await collectExpShow(ctx.project, { num: 1 })
    const [rev, group] = Object.entries(data).find(([key]) => key !== 'workspace') ?? [null, undefined]
    const row = (group?.baseline ?? data.workspace?.baseline)?.data
    const params: Record<string, Record<string, unknown>> = {}
    for (const [file, entry] of Object.entries(row?.params ?? {})) {
      if (entry.data && typeof entry.data === 'object') params[file] = entry.data as Record<string, unknown>
    }
    const info: ProjectInfo = {
      root: ctx.project.root,
      baseline: { rev, name: row?.name ?? (rev ? rev.slice(0, 7) : null) },
      params,
      paramsFiles: Object.keys(row?.params ?? {}),
      metricsFiles: Object.keys(row?.metrics ?? {}),
      version: ctx.version,
      queue: ctx.project.services.has('queue'),
    }
    return sendJson(c, info)
  })
}
