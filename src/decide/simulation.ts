/**
 * Simulation (lapi.md §10, scenarios.md §12.4): a scenario is simulated iff global simulation
 * is on XOR the scenario is listed in the exclusions. Simulated alerts keep their decisions,
 * all marked simulated: they are reported, never enforced.
 */
import type {Alert} from '../model/alert.js'

export interface SimulationConfig {
  /** Global simulation (`--simulation`). */
  simulation: boolean
  /** Scenarios whose simulation state is the opposite of the global one. */
  exclusions?: readonly string[]
}

export function isSimulated(config: SimulationConfig, scenario: string): boolean {
  return config.simulation !== (config.exclusions ?? []).includes(scenario)
}

/** Marks the alert (and any decisions it has) simulated when the configuration says so. */
export function applySimulation(alert: Alert, config: SimulationConfig): void {
  if (!isSimulated(config, alert.Scenario)) return
  alert.Simulated = true
  for (const d of alert.Decisions ?? []) d.Simulated = true
}
