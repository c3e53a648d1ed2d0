/**
 * The plots of the selected revisions (`/api/plots`: the plots engine's charts, every
 * per-output and top-level definition, each overlaying the revisions), drawn with the
 * bundled vega-embed; image plots as one image per revision.
 */
import { useEffect, useState } from 'preact/hooks'
import type { PlotErrorInfo, PlotsResponse } from '../../../src/api-types.js'
import { getJson, withToken } from '../api.js'
import { shownError, type ShownError } from '../errors.js'
import { ErrorBox } from './ErrorBox.js'
import { VegaChart } from './VegaChart.js'

export function PlotsView(props: { revs: string[] }) {
  const key = props.revs.join(',')
  const [plots, setPlots] = useState<PlotsResponse | null>(null)
  const [error, setError] = useState<ShownError | null>(null)
  useEffect(() => {
    setPlots(null)
    setError(null)
    getJson<PlotsResponse>(`/api/plots?revs=${props.revs.map(encodeURIComponent).join(',')}`)
      .then(setPlots)
      .catch((e: unknown) => setError(shownError(e)))
  }, [key])
  return (
    <section class="plots-view" data-revs={key} data-state={plots ? 'loaded' : error ? 'failed' : 'loading'}>
      <h3>plots diff {props.revs.join(' ')}</h3>
      <ErrorBox error={error} />
      {!plots && !error ? <p class="muted">Loading plots…</p> : null}
      {plots ? (
        <>
          <PlotErrors errors={plots.errors} />
          {plots.plots.length === 0 ? <p class="muted">No plots in these revisions.</p> : null}
          <div class="plots">
            {plots.plots.map((plot) => (
              <section class="plot" key={plot.id} data-plot-id={plot.id}>
                <h4>{plot.id}</h4>
                {plot.vega ? <VegaChart id={plot.id} spec={plot.vega} /> : null}
                {plot.images.length > 0 ? (
                  <div class="images">
                    {plot.images.map((image) => (
                      <figure key={`${image.rev}/${image.path}`}>
                        <img src={withToken(image.url)} alt={`${image.rev} ${image.path}`} loading="lazy" />
                        <figcaption>{image.rev}</figcaption>
                      </figure>
                    ))}
                  </div>
                ) : null}
                <PlotErrors errors={plot.errors} />
              </section>
            ))}
          </div>
        </>
      ) : null}
    </section>
  )
}

function PlotErrors(props: { errors: PlotErrorInfo[] }) {
  if (props.errors.length === 0) return null
  return (
    <ul class="plot-errors">
      {props.errors.map((e, i) => (
        <li key={i}>
          {e.rev}
          {e.source ? ` ${e.source}` : ''}: {e.msg}
        </li>
      ))}
    </ul>
  )
}
