/**
 * RE2 (Go regexp) for crowd: one parser, one translation to JavaScript, one exact linear-time
 * fallback, behind `compileRe2`. Used by grok patterns, expr `matches` and regexp data files.
 */
export {compileRe2, type CompileRe2Options, type Re2Match, type Re2Regex} from './compile.js'
export {Re2SyntaxError, parseRe2, type Re2Node, type Re2Tree} from './syntax.js'
export {Re2RegExp} from './regexp-view.js'
export {groupCountOf, requiredLiteralsOf} from './derived.js'
