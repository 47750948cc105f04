/**
 * The scenario part of a hub test (hubtest.md §3.3, §6-7): the test's scenarios run in
 * replay mode over the parsed events, each overflow goes through the test's postoverflows
 * (their node runs are recorded with the parser results), and the overflow events, whitelisted
 * ones included, are sorted into scenario.assert's `results`.
 */
import {createDetector, loadScenarios, readHubIndex} from '../detect/index.js'
import type {Event} from '../model/event.js'
import type {ScenarioContext, ScenarioRunOutput} from './run.js'
import {scenarioResults} from './scenario-results.js'

export function runScenarios(events: Event[], scenarioFiles: string[], ctx: ScenarioContext): ScenarioRunOutput {
  const loaded = loadScenarios(scenarioFiles, {
    helpers: ctx.helpers,
    dataDir: ctx.dataDir,
    logger: ctx.logger,
    hubIndex: readHubIndex(ctx.hubDir),
  })
  if (loaded.errors.length > 0) throw loaded.errors[0]
  const observe = (stage: string, node: {name: string}, evt: Event, success: boolean): void =>
    ctx.parserResults.record(stage, node.name, evt, success)
  const detector = createDetector(loaded.scenarios, {
    mode: 'replay',
    logger: ctx.logger,
    collect: true,
    postoverflow: (evt) => {
      ctx.postoverflows.parse(evt, {observe})
    },
  })
  for (const evt of events) detector.pour(evt)
  detector.flush()
  detector.close()
  return {results: scenarioResults(detector.takeOverflows())}
}
