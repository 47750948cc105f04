#!/usr/bin/env node
// Development entry: runs the TypeScript sources through tsx (oclif registers it).
// Delete oclif.manifest.json while developing, or oclif keeps using the built commands.
import '../src/platform/regexp-guard.ts'
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
