/**
 * profiles.yaml as written (lapi.md §9): a YAML stream of profile documents, decoded strictly
 * (an unknown key is an error, as in CrowdSec). Every error names the file and line; all the
 * errors of a file are collected and thrown together.
 */
import * as fs from 'node:fs'
import type {Node as YamlNode} from 'yaml'
import {isMap, isScalar, isSeq, lineCounter, parseAllDocuments} from '../platform/yaml.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {throughContentCache} from '../platform/content-cache.js'

export interface DecisionTemplateConfig {
  type: string
  duration?: string
  scope?: string
  origin?: string
  simulated?: boolean
}

export interface ProfileConfig {
  name: string
  debug?: boolean
  filters: string[]
  decisions: DecisionTemplateConfig[]
  duration_expr?: string
  notifications: string[]
  on_success?: string
  on_failure?: string
  on_error?: string
  /** Where the document starts, and where each filter is (for expression errors). */
  file: string
  line: number
  filterLines: number[]
  durationExprLine?: number
}

const PROFILE_KEYS = new Set(['name', 'debug', 'filters', 'decisions', 'duration_expr', 'notifications', 'on_success', 'on_failure', 'on_error'])
const DECISION_KEYS = new Set(['type', 'duration', 'scope', 'origin', 'simulated', 'value'])

/** The profiles of `file`, or CrowdSec's default profiles when it is undefined (not compiled). */
export function readProfiles(file: string | undefined): ProfileConfig[] {
  return file === undefined ? parseProfiles(DEFAULT_PROFILES_YAML, '<default profiles>') : readProfilesFile(file)
}

export function readProfilesFile(file: string): ProfileConfig[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new CrowdError('profile', `cannot read profiles file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file})
  }
  return parseProfiles(text, file)
}

/** The profiles of a text; through the content cache in force, kept under the file name and text (a text with errors throws: nothing is kept). */
export function parseProfiles(text: string, file: string): ProfileConfig[] {
  return throughContentCache('profiles-file', [file, text], () => decodeProfiles(text, file))
}

function decodeProfiles(text: string, file: string): ProfileConfig[] {
  const lines = lineCounter()
  const docs = parseAllDocuments(text, {lineCounter: lines})
  const errors: CrowdError[] = []
  const profiles: ProfileConfig[] = []
  const lineOf = (node: YamlNode | null | undefined): number | undefined => {
    const offset = node?.range?.[0]
    return offset === undefined ? undefined : lines.linePos(offset).line
  }
  const fail = (reason: string, node?: YamlNode | null): void => {
    errors.push(new CrowdError('profile', reason, {file, line: lineOf(node)}))
  }
  if (!Array.isArray(docs)) {
    throw new CrowdError('profile', 'not a YAML stream', {file})
  }
  for (const doc of docs) {
    for (const e of doc.errors) {
      errors.push(new CrowdError('profile', e.message.split('\n')[0]!, {file, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col}))
    }
    if (doc.errors.length > 0) continue
    const root = doc.contents
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) continue
    if (!isMap(root)) {
      fail('a profile must be a mapping', root)
      continue
    }
    const profile: ProfileConfig = {name: '', filters: [], decisions: [], notifications: [], file, line: lineOf(root) ?? 1, filterLines: []}
    for (const pair of root.items) {
      const keyNode = pair.key as YamlNode
      const key = isScalar(keyNode) ? String(keyNode.value) : ''
      const value = pair.value as YamlNode | null
      if (!PROFILE_KEYS.has(key)) {
        fail(`unknown field '${key}' in profile`, keyNode)
        continue
      }
      switch (key) {
        case 'name':
        case 'duration_expr':
        case 'on_success':
        case 'on_failure':
        case 'on_error': {
          const text = scalarText(value)
          if (text === undefined) fail(`'${key}' must be a string`, value ?? keyNode)
          else {
            ;(profile as unknown as Record<string, string>)[key] = text
            if (key === 'duration_expr') profile.durationExprLine = lineOf(value)
          }
          break
        }
        case 'debug':
          profile.debug = isScalar(value) && value.value === true
          break
        case 'filters':
        case 'notifications': {
          const list = stringList(value)
          if (list === undefined) fail(`'${key}' must be a list of strings`, value ?? keyNode)
          else if (key === 'filters') {
            profile.filters = list.map((l) => l.text)
            profile.filterLines = list.map((l) => lineOf(l.node) ?? profile.line)
          } else profile.notifications = list.map((l) => l.text)
          break
        }
        case 'decisions': {
          if (value === null || (isScalar(value) && value.value === null)) break
          if (!isSeq(value)) {
            fail("'decisions' must be a list", value)
            break
          }
          for (const item of value.items as YamlNode[]) {
            if (!isMap(item)) {
              fail('a decision must be a mapping', item)
              continue
            }
            const decision: Partial<DecisionTemplateConfig> = {}
            for (const p of item.items) {
              const k = isScalar(p.key) ? String(p.key.value) : ''
              const v = p.value as YamlNode | null
              if (!DECISION_KEYS.has(k)) {
                fail(`unknown field '${k}' in decision`, p.key as YamlNode)
                continue
              }
              if (k === 'simulated') decision.simulated = isScalar(v) && v.value === true
              else if (k !== 'value') {
                const text = scalarText(v)
                if (text === undefined) fail(`decision '${k}' must be a string`, v ?? (p.key as YamlNode))
                else (decision as Record<string, string>)[k] = text
              }
            }
            if (decision.type === undefined || decision.type === '') fail('a decision needs a type', item)
            else profile.decisions.push(decision as DecisionTemplateConfig)
          }
          break
        }
      }
    }
    if (profile.name === '') fail('a profile needs a name', root)
    for (const [k, allowed] of [['on_success', ['', 'break', 'continue']], ['on_failure', ['', 'break', 'continue', 'apply']], ['on_error', ['', 'apply', 'continue', 'break', 'ignore']]] as const) {
      const v = (profile as unknown as Record<string, string | undefined>)[k]
      if (v !== undefined && !(allowed as readonly string[]).includes(v)) fail(`${k} must be one of ${allowed.filter((a) => a !== '').join(', ')}, got '${v}'`, root)
    }
    profiles.push(profile)
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new CrowdErrorList(errors)
  if (profiles.length === 0) throw new CrowdError('profile', 'no profile defined (at least one is required)', {file})
  return profiles
}

function scalarText(node: YamlNode | null): string | undefined {
  if (node === null) return ''
  if (!isScalar(node)) return undefined
  if (node.value === null) return ''
  return typeof node.source === 'string' && typeof node.value !== 'string' ? node.source : String(node.value)
}

function stringList(node: YamlNode | null): {text: string; node: YamlNode}[] | undefined {
  if (node === null || (isScalar(node) && node.value === null)) return []
  if (!isSeq(node)) return undefined
  const out: {text: string; node: YamlNode}[] = []
  for (const item of node.items as YamlNode[]) {
    const text = scalarText(item)
    if (text === undefined) return undefined
    out.push({text, node: item})
  }
  return out
}

/** CrowdSec's shipped profiles.yaml (lapi.md §9): ban Ip and Range sources 4h when the alert asks for remediation. */
export const DEFAULT_PROFILES_YAML = `name: default_ip_remediation
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
on_success: break
---
name: default_range_remediation
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Range"
decisions:
 - type: ban
   duration: 4h
on_success: break
`
