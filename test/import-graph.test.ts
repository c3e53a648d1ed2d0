/** scripts/check-import-graph.js: passes on this repository, and names what breaks the rules in one that breaks them. */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SCRIPT = join(ROOT, 'scripts/check-import-graph.js')
const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-graph-'))
  dirs.push(dir)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

describe('check-import-graph', () => {
  it('passes on this repository', () => {
    expect(execFileSync(process.execPath, [SCRIPT, ROOT], { encoding: 'utf8' })).toMatch(/no cycle, no plugin-to-plugin or core-to-plugin import/)
  })

  it('names a cycle (type-only imports count), a core-to-plugin and a plugin-to-plugin import, and engine code in the plugin API', () => {
    const dir = tree({
      'packages/core/package.json': '{"name": "@trellis/core"}',
      'packages/core/src/a.ts': "import type { B } from './b.js'\nexport type A = B\n",
      'packages/core/src/b.ts': "import type { A } from './a.js'\nexport type B = A | 1\n",
      'packages/core/src/c.ts': "export const c = async () => import('@trellis/plugin-x')\n",
      'packages/core/src/plugin-api/hooks.ts': "import { c } from '../c.js'\nexport const d = c\n",
      'packages/plugin-x/package.json': '{"name": "@trellis/plugin-x"}',
      'packages/plugin-x/src/index.ts': "import { y } from '@trellis/plugin-y/sub'\nexport const x = y\n",
      'packages/plugin-y/package.json': '{"name": "@trellis/plugin-y"}',
      'packages/plugin-y/src/sub.ts': 'export const y = 1\n',
    })
    const res = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' })
    expect(res.status).toBe(1)
    expect(res.stderr).toContain('import cycle in core (2 files): packages/core/src/a.ts, packages/core/src/b.ts')
    expect(res.stderr).toContain('core imports a plugin: packages/core/src/c.ts -> @trellis/plugin-x')
    expect(res.stderr).toContain('a plugin imports another plugin: packages/plugin-x/src/index.ts -> @trellis/plugin-y/sub')
    expect(res.stderr).toContain('the plugin API imports engine code at run time: packages/core/src/plugin-api/hooks.ts -> ../c.js')
  })

  it('names a plugin that imports @trellis/core other than as types from the plugin API; its command layer may use the Node API', () => {
    const dir = tree({
      'packages/core/package.json': '{"name": "@trellis/core"}',
      'packages/core/src/index.ts': 'export const a = 1\n',
      'packages/plugin-queue/package.json': '{"name": "@trellis/plugin-queue"}',
      'packages/plugin-queue/src/ok.ts': "import type { T } from '@trellis/core/plugin-api'\nexport type V = T\n",
      'packages/plugin-queue/src/bad.ts': "import { a } from '@trellis/core'\nexport const b = a\n",
      'packages/plugin-queue/src/root-types.ts': "import type { U } from '@trellis/core'\nexport type W = U\n",
      'packages/plugin-queue/src/bad.test.ts': "import { a } from '@trellis/core'\nexport const c = a\n",
      'packages/plugin-queue/src/commands/queue/thing.ts': "import { a } from '@trellis/core'\nexport const d = a\n",
    })
    const res = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' })
    expect(res.status).toBe(1)
    expect(res.stderr).toContain('ERROR: the import graph breaks 2 rule(s)')
    expect(res.stderr).toContain('@trellis/plugin-queue imports @trellis/core: packages/plugin-queue/src/bad.ts')
    expect(res.stderr).toContain('@trellis/plugin-queue imports @trellis/core: packages/plugin-queue/src/root-types.ts')
  })
})
