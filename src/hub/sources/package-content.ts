/** Turns the files of a fetched package (a tarball's entries) into verified PackageContent. */
import {CrowdError, CrowdErrorList} from '../../model/errors.js'
import {MANIFEST_FILE, parseManifest} from '../manifest.js'
import type {IndexVersion, PackageContent} from '../types.js'

export function contentFromFiles(files: Map<string, Buffer>, entry: IndexVersion, label: string): PackageContent {
  const manifestBytes = files.get(MANIFEST_FILE)
  if (manifestBytes === undefined) throw new CrowdError('hub', `${label}: no ${MANIFEST_FILE} in the package`)
  const {manifest} = parseManifest(manifestBytes.toString('utf8'), `${label}/${MANIFEST_FILE}`)
  if (manifest.name !== entry.name || manifest.version !== entry.version) {
    throw new CrowdError('hub', `${label}: the package is ${manifest.name}@${manifest.version}, the index says ${entry.name}@${entry.version}`)
  }
  const errors: CrowdError[] = []
  for (const f of [...manifest.files, ...Object.values(manifest.data)]) {
    if (!files.has(f)) errors.push(new CrowdError('hub', `${label}: file "${f}" listed in the manifest is missing from the package`))
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return {manifest, files, missingData: []}
}
