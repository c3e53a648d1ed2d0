/**
 * Named services that plugins provide and core consumes (the experiment store,
 * the queue backend, …). A service is registered as a factory and created on
 * first use, so a command that never needs git never loads a git library.
 */
import { TrellisError } from '../errors.js'
import type { ExperimentStore } from '../experiments/experiment-store.js'
import type { QueueBackend } from '../experiments/queue.js'

export interface ServiceMap {
  experimentStore: ExperimentStore
  /** The experiment queue backend (`@trellis/plugin-queue` by default). */
  queue: QueueBackend
}

type Factory<T> = () => T | Promise<T>

export class ServiceRegistry {
  private readonly factories = new Map<string, { provider: string; factory: Factory<unknown> }>()
  private readonly instances = new Map<string, Promise<unknown>>()

  /** Register (or replace: the last plugin wins) the provider of a service. */
  register<K extends keyof ServiceMap & string>(name: K, provider: string, factory: Factory<ServiceMap[K]>): void {
    this.factories.set(name, { provider, factory })
    this.instances.delete(name)
  }

  has(name: keyof ServiceMap & string): boolean {
    return this.factories.has(name)
  }

  async get<K extends keyof ServiceMap & string>(name: K): Promise<ServiceMap[K]> {
    let instance = this.instances.get(name)
    if (!instance) {
      const entry = this.factories.get(name)
      if (!entry) {
        throw new TrellisError('PLUGIN_INVALID', `no plugin provides the '${name}' service`, {
          hint: 'Add a plugin that provides it to your trellis config, or remove the config to load the built-in plugins.',
        })
      }
      instance = Promise.resolve(entry.factory())
      this.instances.set(name, instance)
    }
    return instance as Promise<ServiceMap[K]>
  }
}
