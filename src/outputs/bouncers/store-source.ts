/**
 * The decision stream read straight from the store, for bouncers run inside a process that holds
 * it (`crowd watch` on the local store): the same query and the same text the LAPI's
 * `GET /v1/decisions/stream` answers (lapi.md §5.2), without HTTP or an API key. The last pull is
 * kept here, as the LAPI keeps it per bouncer; a startup call starts again from nothing.
 */
import type {DecisionFilter, Store} from '../../store/index.js'
import type {DecisionFilters} from './decisions.js'
import type {DecisionSource} from './runner.js'
import {readStreamText} from './stream.js'

/** The store filter a bouncer's filters ask for (what its poll's query string would say). */
export function storeFilterFor(filters: DecisionFilters): DecisionFilter {
  const f: DecisionFilter = {scopes: filters.scopes.map((s) => (s === 'ip' ? 'Ip' : 'Range')), includeSimulated: false}
  if (filters.origins.length > 0) f.origins = [...filters.origins]
  if (filters.scenariosContaining.length > 0) f.scenariosContaining = [...filters.scenariosContaining]
  if (filters.scenariosNotContaining.length > 0) f.scenariosNotContaining = [...filters.scenariosNotContaining]
  return f
}

export function storeDecisionSource(store: Store, filters: DecisionFilters, clock: () => number = Date.now): DecisionSource {
  const filter = storeFilterFor(filters)
  let lastPull: number | null = null
  return async (startup) => {
    const now = clock()
    let text = '{"new": ['
    let list: 'new' | 'deleted' = 'new'
    let first = true
    for await (const page of store.decisionStreamText({startup, lastPull: startup ? null : lastPull, now, filter, dedup: true})) {
      if (page.list !== list) {
        text += '], "deleted": ['
        list = 'deleted'
        first = true
      }
      text += first ? page.text : ',' + page.text
      first = false
    }
    text += list === 'new' ? '], "deleted": []}' : ']}'
    const answer = readStreamText(text)
    // only once it was read: a failed read is asked again
    lastPull = now
    return answer
  }
}
