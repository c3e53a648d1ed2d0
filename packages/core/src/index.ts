export * from './errors.js'
export * from './hooks.js'
export * from './pipeline/types.js'
export * from './util/python-json.js'
