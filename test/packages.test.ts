/**
 * The workspace packages are publishable: no `private`, `exports` maps with types,
 * versions that move together (and depend on each other at that version), and
 * `npm pack` of each packs the built code without tests.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dirs = readdirSync(join(ROOT, 'packages')).map((d) => join(ROOT, 'packages', d))
const pjson = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
const version = pjson(join(ROOT, 'packages/core')).version as string

describe('workspace packages', () => {
  it.each(dirs.map((dir) => [dir.split('/').pop()!, dir]))('%s is publishable and moves with the others', (_name, dir) => {
    const p = pjson(dir)
    expect(p.private).toBeUndefined()
    expect(p.version).toBe(version)
    expect(p.type).toBe('module')
    for (const [subpath, target] of Object.entries(p.exports as Record<string, string | { types: string; default: string }>)) {
      if (typeof target === 'string') continue // package.json, data files
      expect(target.types, subpath).toMatch(/\.d\.ts$/)
    }
    for (const deps of [p.dependencies, p.peerDependencies]) {
      for (const [name, range] of Object.entries((deps ?? {}) as Record<string, string>)) {
        if (name.startsWith('@trellis/')) expect(range, name).toBe(version)
      }
    }
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { cwd: dir, encoding: 'utf8' }),
    ) as Array<{ files: Array<{ path: string }> }>
    const files = packed.files.map((f) => f.path)
    expect(files).toContain('dist/index.js')
    expect(files).toContain('dist/index.d.ts')
    expect(files.filter((f) => /\.test\.|test-support/.test(f))).toEqual([])
    for (const target of Object.values(p.exports as Record<string, string | { types: string; default: string }>)) {
      for (const file of typeof target === 'string' ? [target] : [target.types, target.default]) expect(files, file).toContain(file.replace(/^\.\//, ''))
    }
  })

  it('the CLI depends on the packages at their version', () => {
    const cli = pjson(ROOT)
    for (const dir of dirs) expect(cli.dependencies[pjson(dir).name]).toBe(version)
  })
})
