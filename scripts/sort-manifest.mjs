#!/usr/bin/env node
// Part of `npm run build`: oclif writes oclif.manifest.json with its commands in the order it found
// their files, which differs between machines; sorted by id, a build leaves the file as committed.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

const file = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'oclif.manifest.json')
const manifest = JSON.parse(fs.readFileSync(file, 'utf8'))
const sorted = {}
for (const id of Object.keys(manifest.commands).sort()) sorted[id] = manifest.commands[id]
fs.writeFileSync(file, JSON.stringify({...manifest, commands: sorted}, null, 2))
