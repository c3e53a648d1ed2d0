// A tiny reader for the flat two-level params.yaml of this example (no dependencies).
import { readFileSync } from 'node:fs'

export function readParams(file = 'params.yaml') {
  const params = {}
  let section
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trimEnd()
    if (!line.trim()) continue
    const m = /^(\s*)([\w.-]+):\s*(.*)$/.exec(line)
    if (!m) continue
    if (m[1] === '') params[(section = m[2])] = {}
    else params[section][m[2]] = Number.isNaN(Number(m[3])) ? m[3] : Number(m[3])
  }
  return params
}
