/** One Vega-Lite spec drawn with vega-embed (SVG, no actions menu); marks it rendered when done. */
import { useEffect, useRef, useState } from 'preact/hooks'
import { loadVegaEmbed } from '../vega.js'

export function VegaChart(props: { spec: unknown; id: string }) {
  const el = useRef<HTMLDivElement>(null)
  const [state, setState] = useState<'loading' | 'rendered' | 'failed'>('loading')
  const [problem, setProblem] = useState('')
  useEffect(() => {
    let view: { finalize(): void } | undefined
    let cancelled = false
    setState('loading')
    loadVegaEmbed()
      .then((embed) => embed(el.current!, props.spec, { renderer: 'svg', actions: false }))
      .then((result) => {
        view = result
        if (cancelled) result.finalize()
        else setState('rendered')
      })
      .catch((error: unknown) => {
        if (cancelled) return
        setProblem(error instanceof Error ? error.message : String(error))
        setState('failed')
      })
    return () => {
      cancelled = true
      view?.finalize()
    }
  }, [props.spec])
  return (
    <div class="vega-chart" data-state={state} data-plot-id={props.id}>
      <div ref={el} />
      {state === 'failed' ? <p class="plot-error">{problem}</p> : null}
    </div>
  )
}
