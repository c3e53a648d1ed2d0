/**
 * The browser-safe pure functions of @trellis/core the page reuses, so the table, the
 * filters, the sorting and the number formatting are exactly `exp show`'s and the run form
 * reads `-S` values with the CLI's own parser. These modules import nothing from Node; they are
 * bundled from core's sources (the package's exports map covers only its Node entry points).
 */
export { expShowTable, TREE_GLYPHS, type ExpShowOptions, type ExperimentType } from '../../../core/src/experiments/show/show-table.js'
export type { ExpShowData, ExpEntry, ExpFileEntry, ExpRowData } from '../../../core/src/experiments/show/show-data.js'
export { diffTable, DIFF_NOT_SUPPORTED, type DiffResult } from '../../../core/src/metrics/compare.js'
export { parsePyJson } from '../../../core/src/params/json.js'
export { flatten, isMapping } from '../../../core/src/metrics/flatten.js'
export { formatOverrideValue, hasSweep, parseOverrideArg } from '../../../core/src/params/override-grammar.js'
export { PyFloat } from '../../../core/src/util/python-json.js'
export { formatField } from '../../../core/src/util/py-format.js'
export { TrellisError } from '../../../core/src/errors.js'
