/** A TrellisError made by another copy of @trellis/core (a plugin's bundled one) is still a TrellisError. */
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIST_ERRORS = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'errors.js')).href

describe('TrellisError across copies of the package', () => {
  it('instanceof holds both ways for TrellisError, and StageFailedError stays specific', () => {
    // two module instances of the built errors.js (distinct URLs = distinct copies)
    const script = `
      const a = await import(${JSON.stringify(`${DIST_ERRORS}?copy=a`)})
      const b = await import(${JSON.stringify(`${DIST_ERRORS}?copy=b`)})
      const fromB = new b.TrellisError('PLUGIN_INVALID', 'x')
      const stageFromB = new b.StageFailedError('s', new Error('y'))
      console.log(JSON.stringify([
        a.TrellisError !== b.TrellisError,
        fromB instanceof a.TrellisError,
        new a.TrellisError('PLUGIN_INVALID', 'x') instanceof b.TrellisError,
        stageFromB instanceof a.StageFailedError,
        fromB instanceof a.StageFailedError,
        new Error('z') instanceof a.TrellisError,
        a.isTrellisError(fromB),
      ]))`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual([true, true, true, true, false, false, true])
  })
})
