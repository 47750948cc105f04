/** The acquisition façade: expand inputs, read sources as line batches, detect log types. */
export type {AcquisitionOptions, InputSpec, LineBatch, RawLine, SourceInfo, SourceMetrics, SourceSpec} from './types.js'
export {newSourceMetrics} from './types.js'
export {LineSplitter, DEFAULT_MAX_LINE_BYTES} from './line-splitter.js'
export {SOURCE_SPECS, expandInput, sourceSpecFor, splitInputType, type ExpandedPath} from './registry.js'
export {detectLogType, typesFromFilters, type DetectOptions, type TypeDetection} from './detect-type.js'
export {globFiles, hasGlobMagic, listFilesRecursive} from './glob.js'
export {STDIN_INPUT} from './stdin.js'
