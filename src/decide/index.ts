/** The decide stage façade: profiles and simulation, Alert -> Decision[]. */
export {applyProfiles, compileProfiles, routeProfiles, type CompileFn, type DecisionTemplate, type Profile, type ProfileOutcome} from './profiles.js'
export {compileAlertExpr, loadProfiles} from './load-profiles.js'
export {DEFAULT_PROFILES_YAML, parseProfiles, readProfiles, readProfilesFile, type DecisionTemplateConfig, type ProfileConfig} from './profile-config.js'
export {applySimulation, isSimulated, type SimulationConfig} from './simulation.js'
export {addDurationRfc3339, parseDecisionDuration} from './duration.js'
