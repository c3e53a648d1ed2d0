/**
 * The project's service registry (the contract is plugin-api/services.ts):
 * implementations registered by name, one chosen per service by the config
 * (`<service>: {backend: <name>}`), created on first use.
 */
import { TrellisError } from '../errors.js'
import type { DataRemoteFactory } from '../plugin-api/data-remote.js'
import type { ServiceFactory, ServiceMap, ServiceName, ServiceRegistry as ServiceRegistryContract } from '../plugin-api/services.js'

export class ServiceRegistry implements ServiceRegistryContract {
  private readonly factories = new Map<string, Map<string, ServiceFactory<unknown>>>()
  private readonly instances = new Map<string, Promise<unknown>>()
  private readonly remotes = new Map<string, DataRemoteFactory>()

  /**
   * @param choices the implementation the config chose per service (`{queue: 'local'}`)
   * @param configFile where the choices come from, for messages
   */
  constructor(
    private readonly choices: Readonly<Record<string, string>> = {},
    private readonly configFile = 'the trellis config',
  ) {}

  register<K extends ServiceName>(service: K, implementation: string, factory: ServiceFactory<ServiceMap[K]>): void {
    let byName = this.factories.get(service)
    if (!byName) this.factories.set(service, (byName = new Map()))
    byName.delete(implementation) // a re-registration moves to the end
    byName.set(implementation, factory)
    this.instances.delete(service)
  }

  has(service: ServiceName): boolean {
    return (this.factories.get(service)?.size ?? 0) > 0
  }

  implementations(service: ServiceName): string[] {
    return [...(this.factories.get(service)?.keys() ?? [])]
  }

  async get<K extends ServiceName>(service: K): Promise<ServiceMap[K]> {
    let instance = this.instances.get(service)
    if (!instance) {
      instance = Promise.resolve(this.choose(service)())
      this.instances.set(service, instance)
    }
    return instance as Promise<ServiceMap[K]>
  }

  registerDataRemote(scheme: string, factory: DataRemoteFactory): void {
    this.remotes.set(scheme.toLowerCase(), factory)
  }

  dataRemote(scheme: string): DataRemoteFactory | undefined {
    return this.remotes.get(scheme.toLowerCase())
  }

  private choose(service: ServiceName): ServiceFactory<unknown> {
    const byName = this.factories.get(service) ?? new Map<string, ServiceFactory<unknown>>()
    const names = [...byName.keys()]
    const chosen = this.choices[service]
    if (chosen !== undefined) {
      const factory = byName.get(chosen)
      if (factory) return factory
      throw new TrellisError('PLUGIN_INVALID', `${this.configFile} chooses '${chosen}' for the '${service}' service, but no loaded plugin provides it`, {
        hint: names.length ? `Provided: ${names.join(', ')}. Fix \`${service}: {backend: …}\`, or add the plugin that provides '${chosen}'.` : `Add the plugin that provides '${chosen}' to your trellis config.`,
      })
    }
    if (names.length === 1) return byName.get(names[0])!
    if (names.length === 0) {
      throw new TrellisError('PLUGIN_INVALID', `no plugin provides the '${service}' service`, {
        hint: 'Add a plugin that provides it to your trellis config, or remove the config to load the built-in plugins.',
      })
    }
    throw new TrellisError('PLUGIN_INVALID', `several plugins provide the '${service}' service (${names.join(', ')}) and ${this.configFile} chooses none`, {
      hint: `Choose one in the trellis config: \`${service}: {backend: ${names.at(-1)}}\`.`,
    })
  }
}
