/**
 * Resolution of a validated dvc.yaml (`dvc/parsing/__init__.py` DataResolver): builds the
 * global context (params.yaml next to dvc.yaml, then `vars`), expands `foreach`/`do`
 * groups into `group@key` stages, loads stage-level `vars` into a copy of the context and
 * interpolates every string of every stage. Errors are DVC's
 * `failed to parse 'stages.build.cmd' in 'dvc.yaml': Could not find 'models.foobar'`,
 * with the line of the offending field appended when it is known.
 */
import { posix } from 'node:path'
import { TrellisError } from '../errors.js'
import {
  checkRecursiveParseErrors,
  isInterpolatedString,
  isPlainMap,
  ParseError,
  pyTypeName,
  resolveData,
  resolveStr,
  toStr,
  walkStrings,
  type ParsingConfig,
} from './interpolate.js'
import { Context, ContextError, KeyNotInContext, VarsAlreadyLoaded, type VarsFileReader } from './vars-context.js'

export const DEFAULT_PARAMS_FILE = 'params.yaml'

export interface ResolvedStageDefinition {
  /** Stage name (`group@key` for generated stages). */
  name: string
  /** For generated stages: the foreach group and the key. */
  group?: string
  key?: string
  /** The interpolated definition, without `vars`. */
  definition: Record<string, unknown>
  /** Repo-relative working directory after interpolation ('' = repo root; may escape the repo: checked later). */
  wdir: string
}

export interface ResolveResult {
  stages: ResolvedStageDefinition[]
  /** stage name → vars file → dotted key → value used by the stage ("tracked vars"). */
  trackedVars: Map<string, Map<string, Map<string, unknown>>>
  /** e.g. "item is already specified, will be overwritten for stages generated from 'build'" */
  warnings: string[]
}

export interface ResolveOptions {
  parsing?: ParsingConfig
  /** Line of a raw document path (`['stages', 'build', 'cmd']`), for error messages. */
  lineOf?: (path: Array<string | number>) => number | undefined
  reader?: VarsFileReader
}

type Where = { message: string; linePath: Array<string | number> }

export function resolveDvcYaml(
  root: string,
  relPath: string,
  data: Record<string, unknown>,
  options: ResolveOptions = {},
): ResolveResult {
  const dir = posix.dirname(relPath) === '.' ? '' : posix.dirname(relPath)
  const config = options.parsing ?? {}
  const result: ResolveResult = { stages: [], trackedVars: new Map(), warnings: [] }

  const withLine = (message: string, linePath: Array<string | number>): string => {
    const line = options.lineOf?.(linePath)
    if (line === undefined) return message
    const newline = message.indexOf('\n')
    // multi-line (pyparsing) messages: the line goes on the first line
    if (newline >= 0) return `${message.slice(0, newline).replace(/:$/, '')} (line ${line}):${message.slice(newline)}`
    return `${message} (line ${line})`
  }

  const hintFor = (error: unknown, name?: string): string => {
    if (error instanceof KeyNotInContext) {
      return `Define '${error.key}' in ${dir ? `${dir}/` : ''}params.yaml or in a 'vars' entry of '${relPath}'${name ? `, or fix the reference in stage '${name}'` : ''}.`
    }
    if (error instanceof ParseError) return 'Check the ${...} expression syntax: dotted keys and [index] only.'
    if (error instanceof VarsAlreadyLoaded) return 'Load each vars file either whole or by disjoint key lists.'
    return `Check the 'vars' and \${...} usage in '${relPath}'.`
  }

  const fail = (error: Error, where: Where, name?: string): never => {
    const multiline = error instanceof ParseError || (error instanceof ContextError && error.multiline)
    const message = `failed to parse ${where.message} in '${relPath}':${multiline ? '\n' : ' '}${error.message}`
    throw new TrellisError('INTERPOLATION', withLine(message, where.linePath), { hint: hintFor(error, name), cause: error })
  }

  const checkInterpolations = (vars: unknown, where: string, linePath: Array<string | number>): void => {
    walkStrings(vars, (s) => {
      if (isInterpolatedString(s)) {
        throw new TrellisError(
          'INTERPOLATION',
          withLine(`failed to parse '${where}' in '${relPath}': interpolating is not allowed`, linePath),
          { hint: 'Values in vars cannot use ${...}; reference them from the stages instead.' },
        )
      }
    })
  }

  // ---- global context
  const context = new Context(root, undefined, undefined, options.reader)
  const vars = Array.isArray(data.vars) ? data.vars : []
  checkInterpolations(vars, 'vars', ['vars'])
  try {
    context.loadFromVars(vars, dir, undefined, DEFAULT_PARAMS_FILE)
  } catch (error) {
    if (error instanceof ContextError) fail(error, { message: "'vars'", linePath: ['vars'] })
    throw error
  }

  const checkSyntaxErrors = (definition: Record<string, unknown>, name: string, linePrefix: Array<string | number>) => {
    for (const [key, value] of Object.entries(definition)) {
      try {
        checkRecursiveParseErrors(value)
      } catch (error) {
        if (error instanceof ParseError) fail(error, { message: `'stages.${name}.${key}'`, linePath: [...linePrefix, key] }, name)
        throw error
      }
    }
  }

  const resolveStage = (
    baseContext: Context,
    name: string,
    template: Record<string, unknown>,
    linePrefix: Array<string | number>,
    skipChecks: boolean,
  ): ResolvedStageDefinition => {
    if (!skipChecks) checkSyntaxErrors(template, name, linePrefix)
    const definition: Record<string, unknown> = { ...template }
    let wdir = dir
    if (typeof definition.wdir === 'string' && definition.wdir) {
      try {
        const resolved = toStr(resolveStr(definition.wdir, baseContext, { config }))
        wdir = posix.normalize(posix.join(dir || '.', resolved))
        if (wdir === '.') wdir = ''
      } catch (error) {
        if (error instanceof ContextError || error instanceof ParseError) {
          fail(error, { message: `'stages.${name}.wdir'`, linePath: [...linePrefix, 'wdir'] }, name)
        }
        throw error
      }
    }
    const stageVars = Array.isArray(definition.vars) ? definition.vars : []
    delete definition.vars
    checkInterpolations(stageVars, `stages.${name}.vars`, [...linePrefix, 'vars'])
    const ctx = stageVars.length ? baseContext.clone() : baseContext
    try {
      ctx.loadFromVars(stageVars, wdir, name)
    } catch (error) {
      if (error instanceof VarsAlreadyLoaded) {
        fail(error, { message: `'stages.${name}.vars'`, linePath: [...linePrefix, 'vars'] }, name)
      }
      throw error
    }
    const tracked = new Map<string, Map<string, unknown>>()
    ctx.tracked = tracked
    const resolved: Record<string, unknown> = {}
    try {
      for (const [key, value] of Object.entries(definition)) {
        try {
          resolved[key] = resolveData(value, ctx, { key, config })
        } catch (error) {
          if (error instanceof ParseError || error instanceof KeyNotInContext) {
            fail(error, { message: `'stages.${name}.${key}'`, linePath: [...linePrefix, key] }, name)
          }
          throw error
        }
      }
    } finally {
      ctx.tracked = null
    }
    result.trackedVars.set(name, tracked)
    return { name, definition: resolved, wdir }
  }

  const stages = isPlainMap(data.stages) ? data.stages : {}
  const seen = new Set<string>()
  const add = (stage: ResolvedStageDefinition, linePath: Array<string | number>) => {
    if (seen.has(stage.name)) {
      throw new TrellisError('PIPELINE_INVALID', withLine(`stage '${stage.name}' is defined more than once in '${relPath}'`, linePath), {
        hint: 'Rename one of the stages (generated foreach stages are named group@key).',
      })
    }
    seen.add(stage.name)
    result.stages.push(stage)
  }

  for (const [name, rawDefinition] of Object.entries(stages)) {
    const definition = rawDefinition as Record<string, unknown>
    if (!('foreach' in definition)) {
      try {
        add(resolveStage(context, name, definition, ['stages', name], false), ['stages', name])
      } catch (error) {
        if (error instanceof ContextError) fail(error, { message: `stage '${name}'`, linePath: ['stages', name] }, name)
        throw error
      }
      continue
    }

    // ---- foreach group
    let iterable: unknown
    try {
      iterable = resolveData(definition.foreach, context, { config })
    } catch (error) {
      if (error instanceof ContextError || error instanceof ParseError) {
        fail(error, { message: `'stages.${name}.foreach'`, linePath: ['stages', name, 'foreach'] }, name)
      }
      throw error
    }
    const isMap = isPlainMap(iterable)
    if (!isMap && !Array.isArray(iterable)) {
      throw new TrellisError(
        'INTERPOLATION',
        withLine(`failed to resolve 'stages.${name}.foreach' in '${relPath}': expected list/dictionary, got ${pyTypeName(iterable)}`, [
          'stages',
          name,
          'foreach',
        ]),
        { hint: 'foreach takes a list, a map, or ${...} naming one.' },
      )
    }
    const inserted = isMap ? ['item', 'key'] : ['item']
    const warnFor = inserted.filter((k) => context.has(k))
    if (warnFor.length) {
      result.warnings.push(
        `${warnFor.join(' and ')} ${warnFor.length === 1 ? 'is' : 'are'} already specified, will be overwritten for stages generated from '${name}'`,
      )
    }
    // normalized_iterable
    const entries: Array<[string, unknown]> = []
    if (isMap) {
      for (const [k, v] of Object.entries(iterable as Record<string, unknown>)) entries.push([k, v])
    } else {
      const list = iterable as unknown[]
      if (list.some((v) => Array.isArray(v) || isPlainMap(v))) {
        list.forEach((v, i) => entries.push([String(i), v]))
      } else {
        const byKey = new Map<string, unknown>()
        for (const v of list) byKey.set(toStr(v), v)
        entries.push(...byKey)
      }
    }
    const template = definition.do as Record<string, unknown>
    let templateChecked = false
    for (const [key, value] of entries) {
      if (!templateChecked) {
        checkSyntaxErrors(template, name, ['stages', name, 'do'])
        templateChecked = true
      }
      const generated = `${name}@${key}`
      const ctx = context.shallowClone()
      ctx.set('item', value, true)
      if (isMap) ctx.set('key', key, true)
      try {
        const stage = resolveStage(ctx, generated, template, ['stages', name, 'do'], true)
        add({ ...stage, group: name, key }, ['stages', name])
      } catch (error) {
        if (error instanceof ContextError) fail(error, { message: `stage '${generated}'`, linePath: ['stages', name] }, generated)
        throw error
      }
    }
  }
  return result
}
