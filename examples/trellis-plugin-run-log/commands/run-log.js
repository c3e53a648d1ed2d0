// @ts-check
import { readFileSync } from 'node:fs'
import { Command, Flags } from '@oclif/core'
import { findProjectRoot, logFile } from '../run-log.js'

export default class RunLog extends Command {
  static summary = 'Show the run log kept by trellis-plugin-run-log (runs, failures, queue entries).'
  static flags = {
    json: Flags.boolean({ description: 'Print the entries as a JSON array.' }),
    last: Flags.integer({ char: 'n', description: 'Only the last N entries.' }),
  }

  async run() {
    const { flags } = await this.parse(RunLog)
    const root = findProjectRoot(process.cwd())
    if (!root) this.error('not inside a Trellis/DVC project (no .dvc directory above the current one)', { exit: 1 })
    let lines = []
    try {
      lines = readFileSync(logFile(root), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))
    } catch {
      // nothing logged yet
    }
    if (flags.last !== undefined) lines = lines.slice(-flags.last)
    if (flags.json) {
      this.log(JSON.stringify(lines, null, 2))
      return
    }
    if (lines.length === 0) this.log('No runs logged yet.')
    for (const line of lines) {
      const what = [line.experiment ?? line.name, line.stage, line.code, line.commit?.slice(0, 7)].filter(Boolean).join(' ')
      this.log(`${line.time}  ${line.event.padEnd(14)} ${line.run ?? (line.entry ?? '').slice(0, 7)}  ${what}`.trimEnd())
    }
  }
}
