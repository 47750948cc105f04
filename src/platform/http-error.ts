/**
 * An API request that fails with a given HTTP status and message (the LAPI's and the CTI
 * service's routes throw it; their servers answer `{"message": ...}` with that status).
 */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}
