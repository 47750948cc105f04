/**
 * The token table of the expression language: token kinds, and for operator tokens the
 * precedence and associativity the parser asks for (expr `parser/operator/operator.go`).
 * Grammar facts live here as data; the parser never hard-codes a precedence.
 */

export type TokenKind = 'identifier' | 'number' | 'string' | 'bytes' | 'operator' | 'bracket' | 'eof'

export interface Token {
  kind: TokenKind
  /** Operator/bracket text, identifier name, the decoded string, or the number's source text. */
  value: string
  /** Offset of the first character in the source (UTF-16 units). */
  start: number
  end: number
}

export type Associativity = 'left' | 'right'

export interface BinaryOperator {
  precedence: number
  associativity: Associativity
}

/** Binary operators, lowest precedence first (expr.md §3.1). */
export const BINARY: Readonly<Record<string, BinaryOperator>> = Object.assign(Object.create(null) as Record<string, BinaryOperator>, {
  '|': {precedence: 0, associativity: 'left'},
  or: {precedence: 10, associativity: 'left'},
  '||': {precedence: 10, associativity: 'left'},
  and: {precedence: 15, associativity: 'left'},
  '&&': {precedence: 15, associativity: 'left'},
  '==': {precedence: 20, associativity: 'left'},
  '!=': {precedence: 20, associativity: 'left'},
  '<': {precedence: 20, associativity: 'left'},
  '>': {precedence: 20, associativity: 'left'},
  '>=': {precedence: 20, associativity: 'left'},
  '<=': {precedence: 20, associativity: 'left'},
  in: {precedence: 20, associativity: 'left'},
  matches: {precedence: 20, associativity: 'left'},
  contains: {precedence: 20, associativity: 'left'},
  startsWith: {precedence: 20, associativity: 'left'},
  endsWith: {precedence: 20, associativity: 'left'},
  '..': {precedence: 25, associativity: 'left'},
  '+': {precedence: 30, associativity: 'left'},
  '-': {precedence: 30, associativity: 'left'},
  '*': {precedence: 60, associativity: 'left'},
  '/': {precedence: 60, associativity: 'left'},
  '%': {precedence: 60, associativity: 'left'},
  '**': {precedence: 100, associativity: 'right'},
  '^': {precedence: 100, associativity: 'right'},
  '??': {precedence: 500, associativity: 'left'},
})

/** Unary operators and the precedence their operand is parsed with (expr.md §3.2). */
export const UNARY: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  not: 50,
  '!': 50,
  '-': 90,
  '+': 90,
})

/** Comparison operators that chain: `a < b < c` is `a < b && b < c`. */
export const CHAINED_COMPARISONS: ReadonlySet<string> = new Set(['<', '>', '<=', '>='])

/** Operators that may follow `not` in binary position (`x not in y`). */
export const NEGATABLE: ReadonlySet<string> = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith'])

/** Words the lexer turns into operator tokens. */
export const KEYWORD_OPERATORS: ReadonlySet<string> = new Set([
  'not', 'in', 'and', 'or', 'matches', 'contains', 'startsWith', 'endsWith', 'let', 'if', 'else',
])

/** Punctuation operators, longest first so the lexer can match greedily. */
export const PUNCTUATORS: readonly string[] = [
  '==', '!=', '<=', '>=', '&&', '||', '**', '..', '?.', '??', '::',
  '+', '-', '*', '/', '%', '^', '!', '<', '>', '=', '?', '.', ':', ',', ';', '|', '#',
]

export const BRACKETS = '()[]{}'

/** Builtins whose arguments after the first are predicates (closures), with their argument shapes. */
export interface PredicateShape {
  /** 'expr' argument, 'predicate' closure; a trailing '?' makes it optional. */
  args: readonly ('expr' | 'predicate' | 'expr?' | 'predicate?')[]
}

export const PREDICATE_BUILTINS: Readonly<Record<string, PredicateShape>> = Object.assign(Object.create(null) as Record<string, PredicateShape>, {
  all: {args: ['expr', 'predicate']},
  none: {args: ['expr', 'predicate']},
  any: {args: ['expr', 'predicate']},
  one: {args: ['expr', 'predicate']},
  filter: {args: ['expr', 'predicate']},
  map: {args: ['expr', 'predicate']},
  count: {args: ['expr', 'predicate?']},
  sum: {args: ['expr', 'predicate?']},
  find: {args: ['expr', 'predicate']},
  findIndex: {args: ['expr', 'predicate']},
  findLast: {args: ['expr', 'predicate']},
  findLastIndex: {args: ['expr', 'predicate']},
  groupBy: {args: ['expr', 'predicate']},
  sortBy: {args: ['expr', 'predicate', 'expr?']},
  reduce: {args: ['expr', 'predicate', 'expr?']},
})

/** How expr prints a token in messages: `Operator("+")`, `Identifier("foo")`, `EOF`. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'EOF'
    case 'identifier':
      return `Identifier(${JSON.stringify(token.value)})`
    case 'number':
      return `Number(${JSON.stringify(token.value)})`
    case 'string':
      return `String(${JSON.stringify(token.value)})`
    case 'bytes':
      return `Bytes(${JSON.stringify(token.value)})`
    case 'operator':
      return `Operator(${JSON.stringify(token.value)})`
    case 'bracket':
      return `Bracket(${JSON.stringify(token.value)})`
  }
}

export function isIdentifierStart(ch: string): boolean {
  return /^[\p{L}_$]$/u.test(ch)
}

export function isIdentifierPart(ch: string): boolean {
  return /^[\p{L}\p{Nd}_$]$/u.test(ch)
}
