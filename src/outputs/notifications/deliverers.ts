/**
 * Which implementation delivers each notification `type`. A DelivererRegistry is an explicit map,
 * filled by whoever starts notifications (no registration by import side effect): the sandboxed
 * notification plugins register here (`registry.register('slack', deliver)`), tests register fakes.
 * Any other NotifierResolver works too (a resolver that starts plugins on first use, for instance).
 */
import type {Logger} from '../../model/logger.js'
import {SandboxedNotifiers} from './plugins.js'
import type {Deliver, NotifierResolver} from './types.js'

export class DelivererRegistry implements NotifierResolver {
  readonly #byType = new Map<string, Deliver>()

  constructor(entries: Iterable<readonly [type: string, deliver: Deliver]> = []) {
    for (const [type, deliver] of entries) this.register(type, deliver)
  }

  /** Serves `type` with `deliver` (replacing what served it before). */
  register(type: string, deliver: Deliver): this {
    this.#byType.set(type, deliver)
    return this
  }

  deliverer(type: string): Deliver | undefined {
    return this.#byType.get(type)
  }

  types(): string[] {
    return [...this.#byType.keys()].sort()
  }
}

/**
 * The deliverers crowd's commands use: the notification plugins installed from the hub, run in the
 * sandbox (plugins.ts). A notification whose type no installed package serves is refused at start
 * with "no installed notification plugin serves type ...", as CrowdSec refuses a profile whose
 * plugin binary is missing.
 */
export async function installedDeliverers(context: {dataDir: string; logger?: Logger}): Promise<NotifierResolver> {
  return new SandboxedNotifiers(context)
}
