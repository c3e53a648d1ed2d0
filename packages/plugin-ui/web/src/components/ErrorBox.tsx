/** An error as the CLI prints it: `ERROR: <message>` and `hint: <hint>`, with its code. */
import type { ComponentChildren } from 'preact'
import type { ShownError } from '../errors.js'

export function ErrorBox(props: { error: ShownError | null; onClose?(): void; children?: ComponentChildren }) {
  const { error } = props
  if (!error) return null
  return (
    <div class="error-box" role="alert" data-code={error.code}>
      <div class="error-line">
        <span class="code">{error.code}</span> ERROR: {error.message}
      </div>
      {error.hint ? <div class="hint">hint: {error.hint}</div> : null}
      {props.children}
      {props.onClose ? (
        <button class="close" title="Dismiss" onClick={props.onClose}>
          ×
        </button>
      ) : null}
    </div>
  )
}
