/**
 * The sandbox (issue 16): the one place JavaScript from hub packages runs (notification
 * plugins now, bouncers next). See README.md for the layers and what each one stops.
 */
export {SandboxPool, type CallOptions, type SandboxOptions, type SandboxPlugin, type SandboxStats} from './pool.js'
export {SandboxError, type IncidentKind, type SandboxErrorKind, type SandboxIncident} from './errors.js'
export {
  ANY_ARGUMENT,
  checkCommand,
  checkSecret,
  checkUrl,
  describePermissions,
  emptyPermissions,
  NO_PERMISSIONS,
  parsePermissions,
  permissionsAdded,
  permissionsCovered,
  permissionsEmpty,
  permissionsTable,
  resolvePermissions,
  writeGrantFor,
  type CommandGrant,
  type NetworkGrant,
  type Permissions,
  type Scheme,
} from './permissions.js'
export {DEFAULT_HOST_LIMITS, type HostLimits} from './host-api.js'
export type {HttpResponse} from './http.js'
export {childCommand, childEntryUrl, type ChildCommand, type ChildLimits} from './spawn.js'
