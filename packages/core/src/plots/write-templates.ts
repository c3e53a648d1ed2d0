/**
 * `plots templates [name] -o DIR`: the built-in templates as `<DIR>/<name>.json` (pretty
 * JSON), e.g. into `.dvc/plots/` to customise them. An existing file with other content is
 * left alone and reported (DVC's rule: remove it to recreate it).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TrellisError } from '../errors.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { BUILTIN_TEMPLATES } from './builtin-templates.js'

export interface WrittenTemplate {
  name: string
  path: string
  /** `written`, `unchanged` (same content already there) or `kept` (different content there). */
  status: 'written' | 'unchanged' | 'kept'
}

export function templateText(name: string): string {
  const spec = BUILTIN_TEMPLATES.get(name)
  if (!spec) {
    throw new TrellisError('PLOT_TEMPLATE_NOT_FOUND', `Template '${name}' not found.`, { hint: `Built-in templates: ${[...BUILTIN_TEMPLATES.keys()].join(', ')}.` })
  }
  return `${JSON.stringify(spec, null, 4)}\n`
}

export async function writeTemplates(dir: string, names?: string[]): Promise<WrittenTemplate[]> {
  const wanted = names && names.length > 0 ? names : [...BUILTIN_TEMPLATES.keys()]
  const texts = wanted.map((name) => [name, templateText(name)] as const) // unknown names fail before writing
  const written: WrittenTemplate[] = []
  for (const [name, text] of texts) {
    const path = join(dir, `${name}.json`)
    const existing = await readFile(path, 'utf8').catch(() => undefined)
    if (existing === text) written.push({ name, path, status: 'unchanged' })
    else if (existing !== undefined) written.push({ name, path, status: 'kept' })
    else {
      await writeFileAtomic(path, text)
      written.push({ name, path, status: 'written' })
    }
  }
  return written
}
