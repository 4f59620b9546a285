import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, getJson, onUnauthorized } from './http'

afterEach(() => {
  onUnauthorized(null)
  vi.unstubAllGlobals()
})

const answer = (status: number, body: unknown) =>
  vi.fn(() => Promise.resolve(new Response(JSON.stringify(body), { status })))

describe('a refused sign-in', () => {
  it('is told to the app once per 401, and still thrown as an ApiError', async () => {
    const told = vi.fn()
    onUnauthorized(told)
    vi.stubGlobal('fetch', answer(401, { error: { code: 'unauthorized', message: 'A valid token is required.' } }))
    await expect(getJson('/api/kbs')).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
    expect(told).toHaveBeenCalledTimes(1)
  })

  it('is not what other failures are', async () => {
    const told = vi.fn()
    onUnauthorized(told)
    vi.stubGlobal('fetch', answer(404, { error: { code: 'not_found', message: 'No such thing.' } }))
    await expect(getJson('/api/kbs/x')).rejects.toBeInstanceOf(ApiError)
    expect(told).not.toHaveBeenCalled()
  })
})
