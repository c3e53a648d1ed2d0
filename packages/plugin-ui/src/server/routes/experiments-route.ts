/** GET /api/experiments (`exp show --json`) and GET /api/diff (`exp diff --json`): core's functions, as the CLI calls them. */
import type { Hono } from 'hono'
import type { ExperimentsResponse } from '../../api-types.js'
import { queueBadge } from '../../events/hook-events.js'
import { HttpError } from '../api-error.js'
import type { ServerContext } from '../context.js'
import { sendJson } from '../send-json.js'

export function experimentsRoute(app: Hono, ctx: ServerContext): void {
  app.get('/api/experiments', async (c) => {
    const { collectExpShow, queueShowRows, listQueue } = await import('@trellis/core')
    const flag = (name: string) => c.req.query(name) === '1' || c.req.query(name) === 'true'
    const n = c.req.query('n')
    const num = n === undefined ? 1 : Number(n)
    if (!Number.isInteger(num) || num < 1) throw new HttpError(400, 'UI_BAD_REQUEST', `'n' must be a positive integer, not '${n}'`)
    const hasQueue = ctx.project.services.has('queue')
    const experiments = await collectExpShow(ctx.project, {
      extraRows: hasQueue ? await queueShowRows(ctx.project) : [],
      num,
      allBranches: flag('a'),
      allTags: flag('T'),
      allCommits: flag('A'),
    })
    const body: ExperimentsResponse = { experiments, queue: hasQueue ? (await listQueue(ctx.project)).map(queueBadge) : [] }
    return sendJson(c, body)
  })

  app.get('/api/diff', async (c) => {
    const { expDiff } = await import('@trellis/core')
    const result = await expDiff(ctx.project, {
      a: c.req.query('a') || undefined,
      b: c.req.query('b') || undefined,
      all: c.req.query('all') === '1',
      paramDeps: c.req.query('paramDeps') === '1',
    })
    return sendJson(c, result)
  })
}
