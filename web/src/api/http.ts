/** The one place that talks HTTP: JSON in/out, errors turned into ApiError. */

export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

let unauthorized: (() => void) | null = null

/**
 * Who to tell when the server refuses this page's sign-in (401): the app then shows its
 * signed-out screen instead of empty lists that would look like lost data.
 */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorized = handler
}

function noteStatus(status: number): void {
  if (status === 401) unauthorized?.()
}

/** Builds an ApiError from a non-OK response, reading the {"error": {...}} envelope. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  noteStatus(res.status)
  let code = `http_${res.status}`
  let message = ''
  try {
    const text = await res.text()
    const body: unknown = text ? JSON.parse(text) : null
    const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error
    if (err && typeof err.code === 'string') code = err.code
    if (err && typeof err.message === 'string') message = err.message
    const detail = (body as { detail?: unknown } | null)?.detail
    if (!message && typeof detail === 'string') message = detail
  } catch {
    // Not JSON (a proxy page, an empty body): the status alone has to do.
  }
  return new ApiError(res.status, code, message)
}

export function errorFromXhrBody(status: number, text: string): ApiError {
  noteStatus(status)
  try {
    const err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error
    return new ApiError(status, err?.code ?? `http_${status}`, err?.message ?? '')
  } catch {
    return new ApiError(status, `http_${status}`, '')
  }
}

export const networkError = (): ApiError => new ApiError(0, 'network', '')

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw networkError()
  }
  if (!res.ok) throw await errorFromResponse(res)
  return res
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await request(path, { headers: { Accept: 'application/json' } })
  return (await res.json()) as T
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(path, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** GET that answers null instead of throwing when the endpoint is not there (404/405). */
export async function getOptional<T>(path: string): Promise<T | null> {
  try {
    return await getJson<T>(path)
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null
    throw e
  }
}

export const enc = encodeURIComponent
