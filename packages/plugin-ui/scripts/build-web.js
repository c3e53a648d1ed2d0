#!/usr/bin/env node
/**
 * The page `trellis ui` serves: web/ (preact components) → dist/web/ (index.html, app.js,
 * app.css, vega-bundle.js). Type-checks the page's sources (web/tsconfig.json), bundles them
 * with esbuild, and copies the vega + vega-lite + vega-embed bundle that
 * scripts/bundle-vega.js made for the plots page (the root build runs it first); the page
 * loads it on first use. Everything is served locally: no CDN. Run by the root
 * `npm run build`, after `tsc -b` (the page's types import core's and api-types').
 */
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const web = join(root, 'web')
const out = join(root, 'dist', 'web')

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const check = spawnSync(process.execPath, [tsc, '-p', join(web, 'tsconfig.json')], { stdio: 'inherit' })
if (check.status !== 0) process.exit(check.status ?? 1)

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
await build({
  entryPoints: { app: join(web, 'src', 'main.tsx') },
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  outdir: out,
})
copyFileSync(join(web, 'index.html'), join(out, 'index.html'))
copyFileSync(fileURLToPath(new URL('../../core/dist/plots/vendor/vega-bundle.js', import.meta.url)), join(out, 'vega-bundle.js'))
