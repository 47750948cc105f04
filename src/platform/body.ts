/**
 * Request bodies, bounded (lapi.md §1): at most `limit` bytes after decompression, gzip bodies
 * (`Content-Encoding: gzip`) inflated as a stream that stops at the limit, so a gzip bomb costs
 * no more memory than an honest body of the limit's size.
 */
import type {IncomingMessage} from 'node:http'
import {createGunzip} from 'node:zlib'

export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'BodyError'
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  if (encoding !== 'identity' && encoding !== '' && encoding !== 'gzip') {
    return Promise.reject(new BodyError(415, `unsupported content encoding '${encoding}'`))
  }
  const declared = Number(req.headers['content-length'])
  if (encoding !== 'gzip' && Number.isFinite(declared) && declared > limit) {
    req.resume()
    return Promise.reject(new BodyError(413, `request body too large (over ${limit} bytes)`))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const fail = (error: BodyError): void => {
      if (done) return
      done = true
      req.unpipe()
      req.resume()
      reject(error)
    }
    const source = encoding === 'gzip' ? req.pipe(createGunzip()) : req
    source.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        if (source !== req) (source as ReturnType<typeof createGunzip>).destroy()
        fail(new BodyError(413, `request body too large (over ${limit} bytes)`))
        return
      }
      chunks.push(chunk)
    })
    source.on('error', (error: Error) => fail(new BodyError(400, encoding === 'gzip' ? `invalid gzip body: ${error.message}` : error.message)))
    if (source !== req) req.on('error', (error: Error) => fail(new BodyError(400, error.message)))
    source.on('end', () => {
      if (done) return
      done = true
      resolve(Buffer.concat(chunks, size))
    })
  })
}
