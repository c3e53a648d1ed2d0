#!/usr/bin/env node
/**
 * The page's assets in dist/web/: until the front end's bundle lands (web/**,
 * built by esbuild), the placeholder page of static/placeholder.html.
 * Run by the root `npm run build`.
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
mkdirSync(join(root, 'dist', 'web'), { recursive: true })
copyFileSync(join(root, 'static', 'placeholder.html'), join(root, 'dist', 'web', 'index.html'))
