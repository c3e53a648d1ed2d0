/**
 * Reading parameter files (params deps, `vars` files, metrics) as DVC 2.x does
 * (`dvc/utils/serialize`): the format is chosen by the lower-cased extension —
 * `.json` (JSON), `.toml` (TOML), `.py` (Python literals, see python-params.ts),
 * anything else YAML 1.2. Floats stay floats (`1.0` → `PyFloat`) so that they are written
 * back and hashed as Python would. Files are decoded as strict UTF-8.
 */
import { readFile, stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse as parseToml, TomlDate, TomlError } from 'smol-toml'
import { TrellisError } from '../errors.js'
import { PyFloat } from '../util/python-json.js'
import { loadYaml } from '../util/yaml.js'
import { JsonSyntaxError, parsePyJson } from './json.js'
import { parsePythonParams, PythonSyntaxError } from './python-params.js'

export type ParamsFormat = 'yaml' | 'json' | 'toml' | 'py'

export function paramsFormatOf(path: string): ParamsFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.json') return 'json'
  if (ext === '.toml') return 'toml'
  if (ext === '.py') return 'py'
  return 'yaml'
}

const FORMAT_NAME: Record<ParamsFormat, string> = { yaml: 'YAML', json: 'JSON', toml: 'TOML', py: 'Python' }

function corrupted(displayPath: string, format: ParamsFormat, detail: string): TrellisError {
  return new TrellisError(
    'PARAMS_INVALID',
    `unable to read: '${displayPath}', ${FORMAT_NAME[format]} file structure is corrupted: ${detail}`,
    { hint: `Fix the ${FORMAT_NAME[format]} syntax of '${displayPath}'.` },
  )
}

/** TOML values: integral floats → PyFloat, safe bigints → numbers, dates → their TOML text. */
function fromToml(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
  }
  if (typeof value === 'number') return Number.isInteger(value) ? new PyFloat(value) : value
  if (value instanceof TomlDate) return value.toISOString()
  if (Array.isArray(value)) return value.map(fromToml)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: fromToml(v), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return value
}

/** Python truthiness of parsed data (`load_yaml(...) or {}`). */
function orEmpty(value: unknown): unknown {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return {}
  if (value instanceof PyFloat && value.value === 0) return {}
  return value
}

/**
 * Parse the text of a params file. Throws PARAMS_INVALID
 * (`unable to read: '<file>', YAML file structure is corrupted: <reason>, line N`).
 */
export function parseParamsText(text: string, format: ParamsFormat, displayPath: string): unknown {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text
  switch (format) {
    case 'json':
      try {
        return orEmpty(parsePyJson(body))
      } catch (error) {
        if (error instanceof JsonSyntaxError) throw corrupted(displayPath, format, error.message)
        throw error
      }
    case 'toml':
      try {
        return fromToml(parseToml(body, { integersAsBigInt: true }))
      } catch (error) {
        if (error instanceof TomlError) {
          const reason = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '')
          throw corrupted(displayPath, format, `${reason}, line ${error.line}`)
        }
        throw error
      }
    case 'py':
      try {
        return parsePythonParams(body)
      } catch (error) {
        if (error instanceof PythonSyntaxError) throw corrupted(displayPath, format, `${error.message}, line ${error.line}`)
        throw error
      }
    default:
      try {
        return orEmpty(loadYaml(body, displayPath).data)
      } catch (error) {
        if (error instanceof TrellisError && error.code === 'YAML_INVALID') {
          const detail = error.message.replace(/^'.*?' is invalid(?: \(possible merge conflicts\))?: /, '')
          throw corrupted(displayPath, format, detail)
        }
        throw error
      }
  }
}

async function readText(absPath: string, displayPath: string, format: ParamsFormat): Promise<string> {
  const bytes = await readFile(absPath)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TrellisError('PARAMS_INVALID', `unable to read: '${displayPath}', is not valid utf-8`, {
      hint: `Save '${displayPath}' as UTF-8 ${FORMAT_NAME[format]}.`,
    })
  }
}

/**
 * Parse a params file, or `undefined` if it does not exist. Errors:
 * PARAMS_INVALID `Unable to read parameters from '<file>': <cause>` (syntax, encoding,
 * a directory where a file is expected).
 */
export async function readParamsFileIfExists(absPath: string, displayPath: string): Promise<unknown | undefined> {
  let info
  try {
    info = await stat(absPath)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return undefined
    }
    throw error
  }
  if (info.isDirectory()) {
    throw new TrellisError('PARAMS_INVALID', `'${displayPath}' is a directory, expected a parameters file`, {
      hint: `Point the params entry at a YAML, JSON, TOML or Python file, not a directory.`,
    })
  }
  const format = paramsFormatOf(absPath)
  try {
    return parseParamsText(await readText(absPath, displayPath, format), format, displayPath)
  } catch (error) {
    if (error instanceof TrellisError && error.code === 'PARAMS_INVALID') {
      throw new TrellisError('PARAMS_INVALID', `Unable to read parameters from '${displayPath}': ${error.message}`, {
        hint: error.hint,
        cause: error,
      })
    }
    throw error
  }
}

/**
 * Parse a params file that must hold a mapping. A missing file, or one that holds a list or
 * a scalar, is PARAMS_INVALID too (`Unable to read parameters from 'x': 'x' does not exist`).
 */
export async function readParamsFile(absPath: string, displayPath: string): Promise<Record<string, unknown>> {
  const data = await readParamsFileIfExists(absPath, displayPath)
  if (data === undefined) {
    throw new TrellisError(
      'PARAMS_INVALID',
      `Unable to read parameters from '${displayPath}': '${displayPath}' does not exist`,
      { hint: `Create '${displayPath}' or remove it from the stage's params.` },
    )
  }
  if (!isMapping(data)) {
    const type = Array.isArray(data) ? 'list' : typeof data === 'string' ? 'str' : 'scalar'
    throw new TrellisError(
      'PARAMS_INVALID',
      `Unable to read parameters from '${displayPath}': expected a dictionary, got '${type}'`,
      { hint: `Parameters files hold a mapping of names to values.` },
    )
  }
  return data
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
