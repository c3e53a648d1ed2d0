/** The hono app: security first, then the API routes, then the page's static files. */
import { Hono } from 'hono'
import { apiError, HttpError } from './api-error.js'
import type { ServerContext } from './context.js'
import { security, type SecurityOptions } from './security.js'
import { listStaticFiles, readStatic } from './static-files.js'
import { actionsRoute } from './routes/actions-route.js'
import { checkpointsRoute } from './routes/checkpoints-route.js'
import { eventsRoute } from './routes/events-route.js'
import { experimentsRoute } from './routes/experiments-route.js'
import { plotsRoute } from './routes/plots-route.js'
import { projectRoute } from './routes/project-route.js'
import { queueRoute } from './routes/queue-route.js'

export interface AppOptions extends SecurityOptions {
  /** The page's assets dir (default: this package's dist/web/). */
  webDir?: string
}

export function createApp(ctx: ServerContext, options: AppOptions): Hono {
  const app = new Hono()
  app.onError((error, c) => {
    const { status, body } = apiError(error)
    return c.json(body, status as 400)
  })
  app.notFound((c) => {
    const { status, body } = apiError(new HttpError(404, 'UI_NOT_FOUND', `no such path: ${c.req.method} ${c.req.path}`))
    return c.json(body, status as 404)
  })
  app.use('*', async (c, next) => {
    await next()
    c.header('x-content-type-options', 'nosniff')
    c.header('referrer-policy', 'no-referrer')
    c.header('x-frame-options', 'DENY')
  })
  app.use('*', security(options))

  projectRoute(app, ctx)
  experimentsRoute(app, ctx)
  plotsRoute(app, ctx)
  checkpointsRoute(app, ctx)
  queueRoute(app, ctx)
  actionsRoute(app, ctx)
  eventsRoute(app, ctx)

  const files = listStaticFiles(options.webDir)
  app.get('*', async (c, next) => {
    const file = files.get(c.req.path)
    if (!file) return next()
    return c.body(new Uint8Array(await readStatic(file)), 200, { 'content-type': file.type })
  })
  return app
}
