/**
 * vega-embed, loaded on first use: the build copies core's bundle of vega, vega-lite and
 * vega-embed (scripts/bundle-vega.js, the one `trellis plots` inlines) next to the page as
 * `vega-bundle.js`, so the table never waits for the chart library and nothing comes from a
 * CDN.
 */
type VegaEmbed = (el: HTMLElement, spec: unknown, options?: Record<string, unknown>) => Promise<{ finalize(): void }>

declare global {
  interface Window {
    vegaEmbed?: VegaEmbed
  }
}

let loading: Promise<VegaEmbed> | undefined

export function loadVegaEmbed(): Promise<VegaEmbed> {
  loading ??= new Promise<VegaEmbed>((resolve, reject) => {
    if (window.vegaEmbed) return resolve(window.vegaEmbed)
    const script = document.createElement('script')
    script.src = 'vega-bundle.js'
    script.onload = () => (window.vegaEmbed ? resolve(window.vegaEmbed) : reject(new Error('vega-bundle.js did not define vegaEmbed')))
    script.onerror = () => reject(new Error('could not load vega-bundle.js'))
    document.head.appendChild(script)
  })
  return loading
}
