/**
 * GET /api/plots?revs=a,b: the plots engine's data for those revisions (what
 * `plots diff --json` collects): per plot its filled Vega-Lite spec, or image
 * URLs. GET /api/plots/image?rev=R&path=P: one image's bytes, found again
 * through the plots engine — only a file a plot definition names, at that
 * revision; in the workspace it must resolve inside the repository (the path
 * guard: no `..`, no `.git`, no symlink leading out). Anything else is a 404.
 */
import { join, relative, sep } from 'node:path'
import type { Hono } from 'hono'
import type { PlotsResponse } from '../../api-types.js'
import { HttpError } from '../api-error.js'
import type { ServerContext } from '../context.js'
import { queryParam } from '../request-body.js'
import { sendJson } from '../send-json.js'

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
}

export function imageUrl(rev: string, path: string): string {
  return `/api/plots/image?${new URLSearchParams({ rev, path })}`
}

function revList(value: string | undefined): string[] {
  const revs = (value ?? 'workspace').split(',').map((r) => r.trim()).filter(Boolean)
  if (revs.length === 0) throw new HttpError(400, 'UI_BAD_REQUEST', "'revs' names no revision")
  return revs
}

export function plotsRoute(app: Hono, ctx: ServerContext): void {
  app.get('/api/plots', async (c) => {
    const { collectPlots } = await import('@trellis/core')
    const result = await collectPlots(ctx.project, { revs: revList(c.req.query('revs')) })
    const body: PlotsResponse = {
      revisions: result.revisions,
      plots: result.plots.map((plot) => ({
        id: plot.id,
        ...(plot.vega ? { vega: plot.vega.content } : {}),
        images: plot.images.map((image) => ({ rev: image.rev, path: image.source, url: imageUrl(image.rev, image.source) })),
        errors: plot.errors,
      })),
      errors: result.errors,
    }
    return sendJson(c, body)
  })

  app.get('/api/plots/image', async (c) => {
    const rev = queryParam(c, 'rev')
    const path = queryParam(c, 'path')
    const notFound = (why: string) => new HttpError(404, 'UI_NOT_FOUND', `no plot image '${path}' at '${rev}': ${why}`)
    const core = await import('@trellis/core')
    const unsafe = core.unsafeName(path)
    if (unsafe) throw notFound(unsafe)
    if (rev === core.WORKSPACE) {
      try {
        new core.WorkTreeGuard(ctx.project.root).path(path, { final: 'follow' })
      } catch (error) {
        throw notFound((error as Error).message)
      }
    }
    const type = IMAGE_TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()]
    if (!type) throw notFound('not an image')
    // targets are read relative to the directory trellis ui was started in
    const target = relative(ctx.project.cwd, join(ctx.project.root, path)).split(sep).join('/')
    let result
    try {
      result = await core.collectPlots(ctx.project, { revs: [rev], targets: [target] })
    } catch (error) {
      throw notFound((error as Error).message)
    }
    const image = result.plots.flatMap((plot) => plot.images).find((i) => i.source === path)
    if (!image) throw notFound('no plot definition names it there')
    // an SVG opened on its own must not run scripts in this origin
    return c.body(new Uint8Array(image.bytes), 200, {
      'content-type': type,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'cache-control': 'no-store',
    })
  })
}
