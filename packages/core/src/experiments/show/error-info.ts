/**
 * A failure to read one revision's file, as the `{error: {type, msg}}` entry DVC's
 * `--json` output carries (DVC's `encode_exception`: exception class name and message).
 * Trellis errors get the name of the DVC exception for the same failure where there is an
 * obvious one (`YAMLFileCorruptedError`, …), else their code.
 */
import { isTrellisError } from '../../errors.js'

export interface ErrorInfo {
  type: string
  msg: string
}

const CORRUPTED: Array<[RegExp, string]> = [
  [/YAML file structure is corrupted/, 'YAMLFileCorruptedError'],
  [/JSON file structure is corrupted/, 'JSONFileCorruptedError'],
  [/TOML file structure is corrupted/, 'TOMLFileCorruptedError'],
  [/Python file structure is corrupted/, 'PythonFileCorruptedError'],
  [/is not valid utf-8/, 'EncodingError'],
  [/^binary file /, 'MetricsError'],
]

const BY_CODE: Partial<Record<string, string>> = {
  YAML_INVALID: 'YAMLSyntaxError',
  SCHEMA_INVALID: 'YAMLValidationError',
  LOCKFILE_INVALID: 'LockfileCorruptedError',
  INTERPOLATION: 'ResolveError',
  PIPELINE_INVALID: 'DvcException',
  PATH_OUTSIDE_REPO: 'OutsideRepoError',
  GIT_ERROR: 'SCMError',
}

export function errorInfo(error: unknown): ErrorInfo {
  if (!(error instanceof Error)) return { type: 'Error', msg: String(error) }
  if (isTrellisError(error)) {
    const known = error.code === 'PARAMS_INVALID' || error.code === 'METRICS_INVALID' ? CORRUPTED.find(([re]) => re.test(error.message)) : undefined
    return { type: known ? known[1] : (BY_CODE[error.code] ?? error.code), msg: error.message }
  }
  return { type: error.name, msg: error.message }
}

/** Whether a failure may go away by itself (git or I/O trouble) rather than being a property of the files. */
export function isTransient(error: unknown): boolean {
  return !isTrellisError(error) || error.code === 'GIT_ERROR'
}
