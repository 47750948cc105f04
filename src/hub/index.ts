/** The hub's public surface, for commands, the library façade and the engine. */
export {installedContent, type InstalledContent} from './installed.js'
export {hubInstall, hubInspect, hubList, hubOutdated, hubRemove, hubUpdate, hubUpgrade} from './operations.js'
export type {HubOptions, InspectResult, ListResult, ListedPackage, MutateOptions, OutdatedResult, PlanResult, UpdateResult} from './operations.js'
export {packPlugins, type PackOptions, type PackResult} from './pack.js'
export {parseManifest, MANIFEST_FILE} from './manifest.js'
export {PACKAGE_ROOT, crowdVersion} from './crowd-version.js'
export {PACKAGE_TYPES, type Manifest, type PackageType} from './types.js'
