#!/usr/bin/env node
import { Config, Plugin, execute } from '@oclif/core'
import { commandPlugins } from '../dist/plugin-commands.js'

// Plugin packages named in the project's trellis config may bring commands (oclif plugins).
const extra = await commandPlugins()
if (extra.length === 0) {
  await execute({ dir: import.meta.url })
} else {
  const config = await Config.load(import.meta.url)
  for (const { name, root } of extra) {
    const plugin = new Plugin({ root, name, type: 'core' })
    await plugin.load()
    config.plugins.set(plugin.name, plugin)
  }
  await execute({ loadOptions: config })
}
