/** The compiled-expression shape profiles need (contract 1: src/expr Program). */
export interface Program {
  readonly source: string
  run(vars: Record<string, unknown>): unknown
}
