/**
 * The page's files: only what is in the bundled assets dir (`dist/web/`),
 * listed once at start. A request path is looked up in that list, never joined
 * to a directory, so no request can name a file outside it.
 */
import { readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/** `dist/web/` of this package (next to `dist/server/`). */
export const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url))

export interface StaticFile {
  file: string
  type: string
}

/** URL path (`/`, `/assets/app.js`) → file, for every file under `dir`. */
export function listStaticFiles(dir: string = WEB_DIR): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  const walk = (current: string): void => {
    let entries
    try {
      entries = readdirSync(current, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) files.set(`/${relative(dir, path).split(sep).join('/')}`, { file: path, type: TYPES[extname(path)] ?? 'application/octet-stream' })
    }
  }
  walk(dir)
  const index = files.get('/index.html')
  if (index) files.set('/', index)
  return files
}

export async function readStatic(file: StaticFile): Promise<Buffer> {
  return readFile(file.file)
}
