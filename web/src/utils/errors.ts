/** Turns anything thrown by the API layer into a sentence a person understands. */
import { ApiError } from '@/api/http'
import { i18n } from '@/i18n'

const byStatus: Record<number, string> = {
  0: 'errors.network',
  401: 'errors.unauthorized',
  403: 'errors.forbidden',
  404: 'errors.notFound',
  409: 'errors.conflict',
  413: 'errors.tooLarge',
  415: 'errors.unsupported',
  400: 'errors.invalid',
  422: 'errors.invalid',
}

export function describeError(e: unknown): string {
  const t = i18n.global.t
  if (e instanceof ApiError) {
    const key = byStatus[e.status] ?? (e.status >= 500 ? 'errors.server' : 'errors.generic')
    const friendly = t(key)
    // The server's message is human text (API.md); it is the detail, in English.
    if (!e.message || e.status === 0 || e.status === 401) return friendly
    if (i18n.global.locale.value === 'en' && e.status !== 500) return e.message
    return `${friendly}（${e.message}）`
  }
  if (e instanceof Error && e.message) return `${t('errors.generic')} ${e.message}`
  return t('errors.generic')
}

export const isAbort = (e: unknown): boolean =>
  e instanceof DOMException && e.name === 'AbortError'
