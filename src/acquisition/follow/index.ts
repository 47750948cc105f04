/**
 * Following files for `crowd watch`: positions and what to do with a saved one (position.ts,
 * pure), the facts those decisions need (probe.ts), and the follower (follow-file.ts).
 */
export {FINGERPRINT_BYTES, decideResume, findOld, fingerprintMatches, fingerprintOf, isFilePosition, relate} from './position.js'
export type {CandidateState, FilePosition, FileRelation, FileState, Fingerprint, OldFile, ResumeDecision} from './position.js'
export {MAX_CANDIDATES, findCandidates, probePath, readHead, type Probe} from './probe.js'
export {DEFAULT_CLOSE_ROTATED_AFTER_MS, DEFAULT_FOLLOW_CHUNK, DEFAULT_POLL_MS, followFile, newFollowMetrics} from './follow-file.js'
export type {FileFollower, FollowBatch, FollowError, FollowMetrics, FollowOptions} from './follow-file.js'
