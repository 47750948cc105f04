// Part of `npm run build`: dist/bundle/, the code bin/run.js runs, made by esbuild from dist/ (the
// tsc output). Node's loader spends about a third of a second resolving, reading and linking the
// several hundred modules a command needs (crowd's own and its dependencies'); the bundle gives it
// a few dozen files: one per command, the CLI entry and the parse worker, and the chunks they share
// (docs/performance.md has the figures). dist/ itself stays as it is: the library entry
// (package.json "main"), the sandbox's child and tests use it.
//
// - Dependencies are bundled, except those in EXTERNAL (native code, files of their own read at run
//   time, loaded only on request, and oclif): they load from node_modules as before.
// - A module that uses import.meta.url to find files next to it (PACKAGE_ROOT, templates, console
//   assets) still sees its own place in dist/; a module that starts a sibling module in a worker
//   (parse-worker-start) sees its place in dist/bundle/, where the bundled sibling is.
// - A dependency that uses __dirname or __filename (it would see the bundle's place, not its own)
//   stops the build: it belongs in EXTERNAL.
// - Output is deterministic: the same dist/ gives the same bytes (the manifest and the build id
//   depend on it).
import * as esbuild from 'esbuild'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const out = path.join(dist, 'bundle')

/**
 * Loaded from node_modules at run time: native code, own files read at run time, optional or
 * loaded only on request, and oclif. Bundled, oclif loaded faster but the scan that followed was
 * slower at 200,000 nginx lines (about +0.1 s, more garbage collection in the main thread: a
 * paired comparison of 12 runs each), while loading it from node_modules made that scan 0.14 s
 * faster than before the bundle; the cause was not found (docs/performance.md).
 */
const EXTERNAL = ['@oclif/core', 'better-sqlite3', 'vm2', 'pg', 'pg-native', 'mmdb-lib', 'yaml', 'typescript', 'tsx', 'ts-node', 'playwright-core', 'deno']

/** Modules that start a sibling module in a worker, and that sibling (bundled beside them). */
const STARTS_SIBLING = new Map([['pipeline/parse-worker-start.js', 'pipeline/parse-worker']])

const rel = (file) => path.relative(root, file).split(path.sep).join('/')
const commands = fs
  .readdirSync(path.join(dist, 'commands'), {recursive: true})
  .map(String)
  .filter((f) => f.endsWith('.js'))
  .sort()
const entryPoints = [
  {in: path.join(dist, 'cli', 'main.js'), out: 'cli/main'},
  ...[...STARTS_SIBLING.values()].map((m) => ({in: path.join(dist, `${m}.js`), out: m})),
  ...commands.map((f) => ({in: path.join(dist, 'commands', f), out: `commands/${f.slice(0, -3).split(path.sep).join('/')}`})),
]

// every output file finds the package root from its own URL (it lies under <root>/dist/bundle/)
const BANNER = [
  "import {createRequire as __crowdCreateRequire} from 'node:module';",
  'const require = __crowdCreateRequire(import.meta.url);',
  "const __crowdRoot = import.meta.url.slice(0, import.meta.url.lastIndexOf('/dist/bundle/') + 1);",
].join(' ')

const places = {
  name: 'crowd-places',
  setup(build) {
    build.onLoad({filter: /\.(js|cjs|mjs)$/}, (args) => {
      let text = fs.readFileSync(args.path, 'utf8')
      const file = rel(args.path)
      if (file.startsWith('dist/')) {
        if (text.includes('import.meta.url')) {
          const inDist = file.slice('dist/'.length)
          const place = STARTS_SIBLING.has(inDist) ? `dist/bundle/${inDist}` : file
          text = text.replaceAll('import.meta.url', `(__crowdRoot + ${JSON.stringify(place)})`)
        }
      } else if (/\b__(dirname|filename)\b/.test(text)) {
        // in an ES module bundle they would name the bundle's files, not the dependency's
        throw new Error(`${file} uses __dirname or __filename: add its package to EXTERNAL in scripts/bundle.mjs`)
      }
      return {contents: text, loader: 'js', resolveDir: path.dirname(args.path)}
    })
  },
}

fs.rmSync(out, {recursive: true, force: true})
await esbuild.build({
  entryPoints,
  absWorkingDir: root,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  chunkNames: 'chunks/[name]-[hash]',
  banner: {js: BANNER},
  plugins: [places],
  legalComments: 'none',
  logLevel: 'warning',
})
