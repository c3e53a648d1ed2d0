/** The selected checkpoint experiments' metrics over their checkpoints, one chart per metric. */
import { useEffect, useState } from 'preact/hooks'
import type { CheckpointsResponse } from '../../../src/api-types.js'
import { getJson } from '../api.js'
import { checkpointCurves, type Curve } from '../checkpoint-curves.js'
import { parseWire } from '../wire.js'
import { shownError, type ShownError } from '../errors.js'
import { ErrorBox } from './ErrorBox.js'
import { VegaChart } from './VegaChart.js'

export function CheckpointCurves(props: { exps: Array<{ label: string; ref: string }> }) {
  const key = props.exps.map((e) => e.ref).join(',')
  const [curves, setCurves] = useState<Curve[] | null>(null)
  const [error, setError] = useState<ShownError | null>(null)
  useEffect(() => {
    setCurves(null)
    setError(null)
    Promise.all(
      props.exps.map(async (exp) => ({
        label: exp.label,
        checkpoints: (await getJson<CheckpointsResponse>(`/api/checkpoints?exp=${encodeURIComponent(exp.ref)}`, parseWire)).checkpoints,
      })),
    )
      .then((loaded) => setCurves(checkpointCurves(loaded)))
      .catch((e: unknown) => setError(shownError(e)))
  }, [key])
  if (props.exps.length === 0) return null
  return (
    <section class="checkpoint-curves">
      <h3>metrics over checkpoints: {props.exps.map((e) => e.label).join(' ')}</h3>
      <ErrorBox error={error} />
      <div class="plots">
        {(curves ?? []).map((curve) => (
          <section class="plot curve" key={curve.metric} data-plot-id={curve.metric}>
            <VegaChart id={curve.metric} spec={curve.spec} />
          </section>
        ))}
      </div>
    </section>
  )
}
