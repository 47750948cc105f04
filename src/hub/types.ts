/**
 * The shapes the hub works with: a package manifest (crowd-package.toml), an index of
 * packages (hub-index.json, or what a source builds from its own layout), the content of
 * one package version, and the seam every index source implements.
 */
import type {Permissions} from '../sandbox/permissions.js'

export type {Permissions}

export const PACKAGE_TYPES = ['parser', 'postoverflow', 'scenario', 'collection', 'data', 'context', 'notification', 'bouncer'] as const
export type PackageType = (typeof PACKAGE_TYPES)[number]

/** Types whose content files go under a stage directory. */
export const STAGED_TYPES: ReadonlySet<PackageType> = new Set(['parser', 'postoverflow'])
/** Types that run JavaScript and therefore declare permissions. */
export const JS_TYPES: ReadonlySet<PackageType> = new Set(['notification', 'bouncer'])

/** A validated crowd-package.toml. Paths are relative to the package directory, with `/`. */
export interface Manifest {
  /** `author/name` */
  name: string
  type: PackageType
  /** semver, normalised (`1.0` is refused; use `1.0.0`). */
  version: string
  description: string
  /** semver range of crowd versions the package supports. */
  crowd: string
  /** parsers and postoverflows only, e.g. `s01-parse`. */
  stage?: string
  files: string[]
  /** package name -> semver range. Null-prototype. */
  dependencies: Record<string, string>
  /** installed data-file name -> file in the package. Null-prototype. */
  data: Record<string, string>
  /** Notification and bouncer packages: the JavaScript file the sandbox runs (one of `files`). */
  main?: string
  /** Notification packages: the notification config types (`type: slack`) it serves. */
  serves?: string[]
  /** Notification and bouncer packages (always present there, empty when none are declared). */
  permissions?: Permissions
  /** Bouncer packages crowd runs itself instead of sandboxed code (then no `main`). */
  builtin?: 'blocklist'
  /** Bouncer packages: what each `apply` gets: the changes (default) or every decision (targets rewritten whole). */
  batches?: 'changes' | 'full'
}

/** One version of one package as an index lists it. */
export interface IndexVersion {
  name: string
  version: string
  type: PackageType
  description: string
  crowd: string
  stage?: string
  dependencies: Record<string, string>
  /** Tarball path relative to the index file (directory/https sources). */
  tarball?: string
  /** sha256 (hex) of the tarball bytes. */
  sha256?: string
  size?: number
  /** sha256 (hex) of the canonical file listing (see integrity.ts); what the embedded source checks. */
  contentSha256?: string
  /** Data files this version installs (names only), for `inspect`. */
  dataFiles?: string[]
  /** As in the manifest (notification and bouncer packages). */
  main?: string
  serves?: string[]
  /** What the version asks; stored in hub-index.json in the manifest's [permissions] format. */
  permissions?: Permissions
}

/** Every version of every package a source offers. */
export interface SourceIndex {
  /** name -> version -> entry. Null-prototype maps. */
  packages: Record<string, Record<string, IndexVersion>>
  /** Things the source saw but could not offer (unsupported item types, unreadable files), counted, never dropped silently. */
  skipped: string[]
}

/** The files of one package version, verified, in memory. Keys are paths relative to the package directory. */
export interface PackageContent {
  manifest: Manifest
  files: Map<string, Buffer>
  /** Data files a package asks for that the source does not have (CrowdSec hub snapshots lack some). */
  missingData: string[]
}

export interface HubSource {
  /** What `--source` or crowd.toml said: `embedded`, a directory path, or a URL. Recorded in the state file. */
  readonly id: string
  readonly kind: 'embedded' | 'directory' | 'https' | 'crowdsec'
  /** Reads (or, for https, refreshes when `refresh` is set) the index. */
  loadIndex(options?: {refresh?: boolean}): Promise<SourceIndex>
  /** Fetches and verifies one version; throws CrowdError('hub') on any mismatch. */
  fetchPackage(entry: IndexVersion): Promise<PackageContent>
}
