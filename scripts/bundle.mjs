// Part of `npm run build`: dist/bundle/, the code bin/run.js runs, made by esbuild from dist/ (the
// tsc output). Node's loader spends about a third of a second resolving, reading and linking the
// several hundred modules a command needs (crowd's own and its dependencies'), and V8 compiles them
// again on every start; the bundle gives it a few files, compiled with V8's code cache
// (src/cli/code-cache.ts; docs/performance.md has the figures):
//
// - `crowd.cjs`: oclif and every command in one CommonJS file, each module evaluated only when a
//   command needs it (the entry requires commands on demand, and esbuild wraps whatever is reached
//   through a require or an import() in a lazy initialiser). One file, so one code cache entry per
//   command word holds all a command runs.
// - `commands/**.cjs`: one stub per command for oclif to find, each taking its class from crowd.cjs.
// - `cli/main.js`: bin/run.js's only import (regexp guard, help cache, the loading of crowd.cjs).
// - `pipeline/parse-worker.cjs` and its starter `pipeline/parse-worker.js`: the parse worker, with its
//   own code cache entry.
// - `import.cjs`: the dynamic imports of crowd.cjs (oclif's), from code Node's loader compiled.
//
// The CommonJS files have their whitespace and comments removed and are pure ASCII (V8 then keeps
// them one byte per character); identifiers keep their names, so stack traces still name functions.
//
// dist/ itself stays as it is: the library entry (package.json "main"), the sandbox's child and tests
// use it.
//
// - Dependencies are bundled, except those in EXTERNAL (native code, files of their own read at run
//   time, loaded only on request): they load from node_modules.
// - A module that uses import.meta.url to find files next to it (PACKAGE_ROOT, templates, console
//   assets) still sees its own place in dist/; a module that finds a sibling in the bundle (the CLI
//   entry, parse-worker-start) sees its place in dist/bundle/.
// - A dependency that uses __dirname or __filename (it would see the bundle's place, not its own)
//   stops the build, unless DIRNAME_OK says why it is harmless: otherwise it belongs in EXTERNAL.
// - Output is deterministic: the same dist/ gives the same bytes (the manifest and the build id
//   depend on it).
import * as esbuild from 'esbuild'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const out = path.join(dist, 'bundle')

/** Loaded from node_modules at run time: native code, own files read at run time, optional or loaded only on request. */
const EXTERNAL = ['better-sqlite3', 'vm2', 'pg', 'pg-native', 'mmdb-lib', 'yaml', 'typescript', 'tsx', 'ts-node', 'playwright-core', 'deno']

/** Bundled packages whose __dirname or __filename cannot mislead them, and why. */
const DIRNAME_OK = new Map([
  // only as fallbacks not taken: Config.load is given the package root, the version is read from
  // the bundled package.json first, ts-node is looked for only for TypeScript plugins, and its
  // Node engine check reads a package.json it then does not find (a check for oclif's own engines)
  ['@oclif/core', 'fallbacks not taken'],
  // inside the JavaScript text it generates for templates, not a use of its own
  ['ejs', 'generated text'],
])

/**
 * dist/ modules that find their siblings in the bundle, where import.meta.url names their place
 * in dist/bundle/: the CLI entry (crowd.cjs) and the parse worker's starter (the worker's entry).
 */
const PLACED_IN_BUNDLE = new Set(['cli/main.js', 'pipeline/parse-worker-start.js'])

const rel = (file) => path.relative(root, file).split(path.sep).join('/')
const commands = fs
  .readdirSync(path.join(dist, 'commands'), {recursive: true})
  .map(String)
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -3).split(path.sep).join('/'))
  .sort()

const places = {
  name: 'crowd-places',
  setup(build) {
    build.onLoad({filter: /\.(js|cjs|mjs)$/}, (args) => {
      let text = fs.readFileSync(args.path, 'utf8')
      const file = rel(args.path)
      if (file.startsWith('dist/')) {
        const inDist = file.slice('dist/'.length)
        const place = PLACED_IN_BUNDLE.has(inDist) ? `dist/bundle/${inDist}` : file
        text = text.replaceAll('import.meta.url', `(__crowdRoot + ${JSON.stringify(place)})`)
        text = text.replaceAll('import.meta.resolve(', '__crowdResolve(')
      } else if (/\b__(dirname|filename)\b/.test(text)) {
        const pkg = file.replace(/^.*node_modules\//, '').split('/').slice(0, file.includes('node_modules/@') ? 2 : 1).join('/')
        // in a bundle they would name the bundle's files, not the dependency's
        if (!DIRNAME_OK.has(pkg)) throw new Error(`${file} uses __dirname or __filename: add its package to EXTERNAL in scripts/bundle.mjs`)
      }
      // oclif imports ES module commands and plugins with import(): code V8 compiled from a code
      // cache cannot start imports on Node 20 (src/cli/code-cache.ts), so they go through a file
      // Node's own loader compiled (IMPORTER). An import of a package by name (wsl-utils, which
      // Config.load asks on every start) is left to esbuild, which bundles it: no loader round trip.
      if (file.includes('node_modules/@oclif/core/')) text = text.replaceAll(/\bawait import\((?!['"])/g, 'await __crowdImport(')
      // oclif sorts each plugin's commands with localeCompare on every start: the first call sets up
      // ICU's collator (~10 ms), and nothing else in a command needs it. Command ids are ASCII, where
      // code-unit order is as good (and the same in every locale). The build fails if oclif changes.
      if (file.endsWith('node_modules/@oclif/core/lib/config/plugin.js')) text = replaceOnce(text, file, OCLIF_COMMAND_SORT, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))')
      return {contents: text, loader: 'js', resolveDir: path.dirname(args.path)}
    })
  },
}

const OCLIF_COMMAND_SORT = '.sort((a, b) => a.id.localeCompare(b.id))'

/** `text` with `from` replaced, which must occur exactly once. */
function replaceOnce(text, file, from, to) {
  const at = text.indexOf(from)
  if (at === -1 || text.indexOf(from, at + 1) !== -1) throw new Error(`${file}: expected ${from} exactly once (scripts/bundle.mjs)`)
  return text.slice(0, at) + to + text.slice(at + from.length)
}

// every output file finds the package root from its own place (it lies under <root>/dist/bundle/)
const ROOT_OF = (here) => `const __crowdRoot = ${here}.slice(0, ${here}.lastIndexOf('/dist/bundle/') + 1);`
const ESM_BANNER = [
  "import {createRequire as __crowdCreateRequire} from 'node:module';",
  'const require = __crowdCreateRequire(import.meta.url);',
  ROOT_OF('import.meta.url'),
  'const __crowdResolve = (specifier) => import.meta.resolve(specifier);',
].join(' ')
const CJS_BANNER = [
  "const __crowdHere = require('node:url').pathToFileURL(__filename).href;",
  ROOT_OF('__crowdHere'),
  "const __crowdResolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;",
].join(' ')

const common = {absWorkingDir: root, outdir: out, bundle: true, platform: 'node', target: 'node20', external: EXTERNAL, plugins: [places], legalComments: 'none', minifyWhitespace: true, charset: 'ascii', logLevel: 'warning'}

// crowd.cjs: commands required on demand (each module is evaluated when first required), and oclif's execute
const entry = [
  'const commands = {',
  ...commands.map((c) => `  ${JSON.stringify(c)}: () => require(${JSON.stringify(`./dist/commands/${c}.js`)}),`),
  '}',
  'exports.command = (name) => commands[name]()',
  "exports.execute = (options) => require('@oclif/core/execute').execute(options)",
].join('\n')

/** The file through which crowd.cjs starts dynamic imports (see the places plugin). */
const IMPORTER = 'import.cjs'

fs.rmSync(out, {recursive: true, force: true})
await esbuild.build({
  ...common,
  stdin: {contents: entry, resolveDir: root, sourcefile: 'crowd-entry.cjs', loader: 'js'},
  outfile: path.join(out, 'crowd.cjs'),
  outdir: undefined,
  format: 'cjs',
  banner: {js: `${CJS_BANNER} const __crowdImport = (specifier) => require('./${IMPORTER}')(specifier);`},
})
fs.writeFileSync(path.join(out, IMPORTER), '// dynamic imports for crowd.cjs (scripts/bundle.mjs)\nmodule.exports = (specifier) => import(specifier)\n')
await esbuild.build({
  ...common,
  entryPoints: [{in: path.join(dist, 'pipeline', 'parse-worker.js'), out: 'pipeline/parse-worker'}],
  outExtension: {'.js': '.cjs'},
  format: 'cjs',
  banner: {js: CJS_BANNER},
})
// the ES module entries: bin/run.js's, and the parse worker's starter (Worker runs it; it loads the
// worker's bundle with its code cache entry)
await esbuild.build({
  ...common,
  entryPoints: [{in: path.join(dist, 'cli', 'main.js'), out: 'cli/main'}],
  external: [...EXTERNAL, '@oclif/core'],
  format: 'esm',
  banner: {js: ESM_BANNER},
})
await esbuild.build({
  ...common,
  stdin: {
    contents: [
      `import {requireWithCodeCache} from './dist/cli/code-cache.js'`,
      `import {fileURLToPath} from 'node:url'`,
      `requireWithCodeCache(fileURLToPath(new URL('./parse-worker.cjs', import.meta.url)), 'parse-worker')`,
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'parse-worker-start.mjs',
    loader: 'js',
  },
  outfile: path.join(out, 'pipeline', 'parse-worker.js'),
  outdir: undefined,
  format: 'esm',
  banner: {js: ESM_BANNER},
})
// The CommonJS files as ASCII: V8 keeps an ASCII source in one byte per character, and reads,
// hashes and compiles it faster (a two-byte crowd.cjs took ~40 ms more to start). esbuild escapes
// strings, untagged templates and identifiers, not regular expression literals nor tagged
// templates (whose raw text would change). Characters left in regular expression literals are
// escaped here (the same character in every regex mode: none is beyond U+FFFF); anywhere else one
// stops the build.
for (const file of [path.join(out, 'crowd.cjs'), path.join(out, 'pipeline', 'parse-worker.cjs')]) {
  const text = fs.readFileSync(file, 'utf8')
  if (!/[^\0-\x7f]/.test(text)) continue
  fs.writeFileSync(file, escapeInRegExpLiterals(text, rel(file)))
}

/** `text` with the non-ASCII characters of its regular expression literals escaped; an error for any other. */
function escapeInRegExpLiterals(text, name) {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const literals = []
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) literals.push([node.getStart(source), node.end])
    else ts.forEachChild(node, visit)
  }
  visit(source)
  let result = ''
  let at = 0
  for (const match of text.matchAll(/[^\0-\x7f]/g)) {
    const inLiteral = literals.some(([from, to]) => match.index >= from && match.index < to)
    if (!inLiteral || match[0].codePointAt(0) > 0xffff) {
      const {line, character} = source.getLineAndCharacterOfPosition(match.index)
      throw new Error(`${name}:${line + 1}:${character + 1}: a non-ASCII character outside a regular expression literal`)
    }
    result += `${text.slice(at, match.index)}\\u${match[0].charCodeAt(0).toString(16).padStart(4, '0')}`
    at = match.index + 1
  }
  return result + text.slice(at)
}

for (const c of commands) {
  const stub = path.join(out, 'commands', `${c}.cjs`)
  const crowd = path.relative(path.dirname(stub), path.join(out, 'crowd.cjs')).split(path.sep).join('/')
  fs.mkdirSync(path.dirname(stub), {recursive: true})
  fs.writeFileSync(stub, `// the ${c.replaceAll('/', ' ')} command, from the CLI bundle\nmodule.exports = require(${JSON.stringify(crowd)}).command(${JSON.stringify(c)})\n`)
}
