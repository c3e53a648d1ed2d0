/**
 * The plots page: one self-contained `index.html` that works offline. Vega, Vega-Lite and
 * vega-embed are inlined from the bundle the build makes (scripts/bundle-vega.js →
 * `dist/plots/vendor/vega-bundle.js`); no CDN, no network. One section per plot id, titled
 * with the id and the revisions drawn; images in a grid (files under `static/`); the errors
 * of a plot beside it. `--html-template FILE` puts the sections where the file says
 * `{plot_divs}` (DVC's placeholder).
 */
import { readFileSync } from 'node:fs'
import { TrellisError } from '../errors.js'
import type { ImagePlot, PlotError, PlotsResult } from './collect-plots.js'

const BUNDLE_URL = new URL('./vendor/vega-bundle.js', import.meta.url)
let bundle: string | undefined

/** The bundled vega + vega-lite + vega-embed (built by `npm run build`). */
export function vegaBundle(): string {
  if (bundle === undefined) {
    try {
      bundle = readFileSync(BUNDLE_URL, 'utf8')
    } catch {
      throw new TrellisError('PLOT_TEMPLATE_INVALID', `the Vega bundle is missing (${BUNDLE_URL.pathname})`, { hint: 'Run `npm run build`, which bundles vega, vega-lite and vega-embed.' })
    }
  }
  return bundle
}

/** Where an image of a revision is written inside the output directory (DVC's naming). */
export function imagePath(image: Pick<ImagePlot, 'rev' | 'source'>): string {
  return `static/${`${image.rev}_${image.source}`.replace(/[\\/:*?"<>|]/g, '_')}`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** JSON that is safe inside a <script> element (the specs travel as a JSON block: parsing it is much faster than a 20 MB script literal). */
function scriptJson(value: unknown): string {
  const json = JSON.stringify(value)
  return /[<\u2028\u2029]/.test(json) ? json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') : json
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.4rem}
div.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1rem}
section.plot{margin:0;overflow-x:auto;padding:1rem;border:1px solid #ddd;border-radius:6px}
section.plot h2{font-size:1.1rem;margin:0 0 .25rem;font-family:monospace}
p.revisions{margin:0 0 .75rem;color:#555;font-size:.9rem}
div.images{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}
div.images figure{margin:0}div.images img{max-width:100%;border:1px solid #eee}
ul.errors{color:#a00;font-size:.9rem}`

function errorList(errors: PlotError[]): string {
  if (errors.length === 0) return ''
  const items = errors.map((e) => `<li>${escapeHtml(`${e.rev}${e.source ? ` ${e.source}` : ''}: ${e.msg}`)}</li>`)
  return `<ul class="errors">${items.join('')}</ul>`
}

/** The sections and scripts (what replaces `{plot_divs}`). */
function plotDivs(result: PlotsResult): string {
  const parts: string[] = []
  const specs: Array<{ id: string; spec: unknown }> = []
  if (result.errors.length > 0) parts.push(`<section class="plot revision-errors"><h2>errors</h2>${errorList(result.errors)}</section>`)
  result.plots.forEach((plot, index) => {
    const revisions = plot.vega?.revisions ?? [...new Set(plot.images.map((i) => i.rev))]
    const body: string[] = [`<h2>${escapeHtml(plot.id)}</h2>`]
    if (revisions.length > 0) body.push(`<p class="revisions">${escapeHtml(revisions.join(', '))}</p>`)
    if (plot.vega) {
      const div = `plot-${index}`
      body.push(`<div class="vega" id="${div}"></div>`)
      specs.push({ id: div, spec: plot.vega.content })
    }
    if (plot.images.length > 0) {
      const figures = plot.images.map((img) => `<figure><img src="${escapeHtml(imagePath(img))}" alt="${escapeHtml(`${img.rev} ${img.source}`)}"><figcaption>${escapeHtml(img.rev)}</figcaption></figure>`)
      body.push(`<div class="images">${figures.join('')}</div>`)
    }
    body.push(errorList(plot.errors))
    parts.push(`<section class="plot" data-plot-id="${escapeHtml(plot.id)}">${body.join('')}</section>`)
  })
  const run = `(function(){var specs=JSON.parse(document.getElementById('trellis-plot-specs').textContent);var left=specs.length;function done(){if(--left<=0)document.body.setAttribute('data-rendered','true')}
if(!left)document.body.setAttribute('data-rendered','true');
specs.forEach(function(s){vegaEmbed('#'+s.id,s.spec,{actions:false,renderer:'svg',logLevel:1}).then(done,function(e){console.error(e);done()})})})()`
  return `<div class="plots">\n${parts.join('\n')}\n</div>\n<script type="application/json" id="trellis-plot-specs">${scriptJson(specs)}</script>\n<script>${vegaBundle()}</script>\n<script>${run}</script>`
}

const PAGE = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Trellis plots</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Plots</h1>
{plot_divs}
</body>
</html>
`

/** The page; `template` is the text of a `--html-template` file (must contain `{plot_divs}`). */
export function renderPlotPage(result: PlotsResult, template?: { text: string; path: string }): string {
  const page = (template?.text ?? PAGE).replace(/\{refresh_tag\}/g, '')
  if (!page.includes('{plot_divs}')) {
    throw new TrellisError('INVALID_ARGUMENT', `HTML template '${template!.path}' has no '{plot_divs}' placeholder`, { hint: 'Put {plot_divs} where the plots go, e.g. inside <body>.' })
  }
  const divs = plotDivs(result)
  const at = page.indexOf('{plot_divs}')
  return page.slice(0, at) + divs + page.slice(at + '{plot_divs}'.length)
}
