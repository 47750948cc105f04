/**
 * The `results` object of parser.assert (hubtest.md §4): stage -> node name -> list of
 * {Idx, Evt, Success}, one entry per top-level node run, in run order, plus
 * `success: {"": []}`. Events are deep copies taken right after the node ran. Values get
 * the YAML round trip of §4.3 (nested Unmarshaled maps become any maps; JSON floats that
 * are integral with magnitude < 1e6 come back as ints).
 */
import {cloneEvent, type Event} from '../model/event.js'
import {isGoFloat, isMapPrototype, isStringMap} from '../model/go-values.js'

export interface ParserResult {
  Idx: number
  Evt: Event
  Success: boolean
}

export type ParserResults = Record<string, Record<string, ParserResult[]>>

export class ParserResultsRecorder {
  private readonly results: ParserResults = Object.create(null) as ParserResults
  /** Per stage: node name -> 1-based rank of first appearance. */
  private readonly ranks = new Map<string, Map<string, number>>()

  record(stage: string, nodeName: string, evt: Event, success: boolean): void {
    let stageMap = this.results[stage]
    if (stageMap === undefined) {
      stageMap = Object.create(null) as Record<string, ParserResult[]>
      this.results[stage] = stageMap
      this.ranks.set(stage, new Map())
    }
    const ranks = this.ranks.get(stage)!
    if (!ranks.has(nodeName)) ranks.set(nodeName, ranks.size + 1)
    const list = Object.hasOwn(stageMap, nodeName) ? stageMap[nodeName]! : (stageMap[nodeName] = [])
    list.push({Idx: ranks.get(nodeName)!, Evt: roundTrip(cloneEvent(evt)), Success: success})
  }

  /** The object asserts see: the recorded stages plus `success: {"": []}`. */
  toResults(): ParserResults {
    const out = Object.create(null) as ParserResults
    for (const stage of Object.keys(this.results)) out[stage] = this.results[stage]!
    const success = Object.create(null) as Record<string, ParserResult[]>
    success[''] = []
    if (!Object.hasOwn(out, 'success')) out.success = success
    return out
  }
}

function roundTrip(evt: Event): Event {
  evt.Unmarshaled = roundTripValue(evt.Unmarshaled) as Record<string, unknown>
  return evt
}

/** §4.3: what a value looks like after CrowdSec's YAML dump and reload. */
export function roundTripValue(v: unknown): unknown {
  if (isGoFloat(v)) return Math.abs(v.value) < 1e6 ? v.value : v
  if (Array.isArray(v)) return v.map(roundTripValue)
  if (v !== null && typeof v === 'object') {
    if (!isMapPrototype(Object.getPrototypeOf(v)) && !isStringMap(v)) return v
    const out = Object.create(null) as Record<string, unknown>
    for (const k of Object.keys(v)) out[k] = roundTripValue((v as Record<string, unknown>)[k])
    return out
  }
  return v
}
