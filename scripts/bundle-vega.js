#!/usr/bin/env node
// Bundles vega, vega-lite and vega-embed into one browser script (an IIFE defining
// `window.vegaEmbed`) that `trellis plots` inlines into its page: the page works offline,
// with no CDN. Part of `npm run build`; output: packages/core/dist/plots/vendor/vega-bundle.js.
import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
await build({
  stdin: {
    contents: "import vegaEmbed from 'vega-embed'\nwindow.vegaEmbed = vegaEmbed\n",
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  outfile: join(root, 'packages/core/dist/plots/vendor/vega-bundle.js'),
})
