/**
 * The UI's view of the hook bus: the plugin's observer taps turn hook payloads
 * into API events ({@link ServerEvents}) and publish them on a per-project
 * emitter. The server of `trellis ui` subscribes to it; in any other command
 * nothing listens and an emit costs a function call.
 */
import { EventEmitter } from 'node:events'
import type { QueueEntry, TrellisHooks } from '@trellis/core/plugin-api'
import type { QueueBadge, ServerEvents } from '../api-types.js'

export type UiEventName = keyof ServerEvents

/** A typed emitter of API events. */
export class UiEventBus {
  private readonly emitter = new EventEmitter()

  constructor() {
    this.emitter.setMaxListeners(0)
  }

  emit<K extends UiEventName>(name: K, data: ServerEvents[K]): void {
    this.emitter.emit(name, data)
  }

  on<K extends UiEventName>(name: K, listener: (data: ServerEvents[K]) => void): () => void {
    this.emitter.on(name, listener)
    return () => this.emitter.off(name, listener)
  }
}

/** The bus of a project's hooks (one per project: the plugin view and the project share the hooks object). */
const buses = new WeakMap<TrellisHooks, UiEventBus>()

export function uiEventBus(hooks: TrellisHooks): UiEventBus | undefined {
  return buses.get(hooks)
}

/** A queue entry as the API sends it. */
export function queueBadge(entry: QueueEntry): QueueBadge {
  return {
    id: entry.id,
    name: entry.name ?? null,
    baseline: entry.baseline,
    state: entry.state,
    runner: entry.runner ?? null,
    error: entry.error ?? null,
    result: entry.result ? { name: entry.result.name, ref: entry.result.ref, commit: entry.result.commit } : null,
    created: entry.created ?? null,
    finished: entry.finished ?? null,
    sweep: entry.sweep ?? null,
    setParams: entry.request?.setParams ?? [],
  }
}

/** Tap the hooks that say something the page shows. Idempotent per project. */
export function tapHookEvents(hooks: TrellisHooks, name: string): UiEventBus {
  const existing = buses.get(hooks)
  if (existing) return existing
  const bus = new UiEventBus()
  buses.set(hooks, bus)
  hooks.onExperimentCommit.tap(name, (event) => {
    bus.emit('experiment', { ref: event.ref, commit: event.commit, baseline: event.baseline, name: event.name, checkpoint: event.checkpoint })
  })
  hooks.queueEntryChanged.tap(name, (event) => {
    bus.emit('queue', { entry: queueBadge(event.entry), state: event.state })
  })
  return bus
}
