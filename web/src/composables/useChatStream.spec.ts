import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useChatStream } from './useChatStream'
import { useChatStore } from '@/stores/chat'

const enc = new TextEncoder()

function sse(events: Array<[string, object]>): string {
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`).join('')
}

/** A fetch answer whose body arrives in the given pieces, optionally stalling at the end. */
function streamResponse(pieces: string[], { stall = false } = {}): (url: string, init: RequestInit) => Promise<Response> {
  return (_url, init) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of pieces) controller.enqueue(enc.encode(p))
        if (!stall) controller.close()
        init.signal?.addEventListener('abort', () =>
          controller.error(new DOMException('aborted', 'AbortError')),
        )
      },
    })
    return Promise.resolve(new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }))
  }
}

function jsonFetch(url: string): Promise<Response> {
  if (url === '/api/sessions') return Promise.resolve(new Response('[{"id":"s1","title":"Brewing","kb_ids":[],"created_at":"2024-01-01","updated_at":"2024-01-01"}]'))
  return Promise.resolve(new Response('{}'))
}

describe('useChatStream', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('streams tokens split across reads into the last message and finishes once', async () => {
    const text = sse([
      ['session', { session_id: 's1', message_id: 'm1' }],
      ['sources', { sources: [{ index: 1, kb_id: 'k', doc_id: 'd', filename: 'a.md', page: null, text: 'x', score: 1 }] }],
      ['token', { delta: 'It brews ' }],
      ['token', { delta: 'at 93 °C [1].' }],
      ['done', { answer: 'It brews at 93 °C [1].', citations: [1], timings: { total_ms: 5 } }],
    ])
    const pieces = text.match(/[\s\S]{1,7}/g) ?? []
    const stream = streamResponse(pieces)
    const fetchMock = vi.fn((url: string, init: RequestInit) => (url === '/api/chat/stream' ? stream(url, init) : jsonFetch(url)))
    vi.stubGlobal('fetch', fetchMock)
    const chat = useChatStore()
    const { send, streaming } = useChatStream()
    await send('How hot?', { kbIds: ['k'] })
    expect(streaming.value).toBe(false)
    expect(chat.sessionId).toBe('s1')
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
    const answer = chat.messages[1]!
    expect(answer).toMatchObject({ id: 'm1', status: 'done', content: 'It brews at 93 °C [1].' })
    expect(answer.sources).toHaveLength(1)
    expect(chat.title).toBe('Brewing')
    const body = JSON.parse(fetchMock.mock.calls[0]![1].body as string)
    expect(body).toEqual({ question: 'How hot?', kb_ids: ['k'] })
    // The history list is refreshed once, at the end.
    expect(fetchMock.mock.calls.filter(([u]) => u === '/api/sessions')).toHaveLength(1)
  })

  it('Stop aborts the request and keeps the text so far, marked stopped', async () => {
    const stream = streamResponse([sse([['session', { session_id: 's1' }], ['token', { delta: 'partial' }]])], { stall: true })
    vi.stubGlobal('fetch', vi.fn((url: string, init: RequestInit) => (url === '/api/chat/stream' ? stream(url, init) : jsonFetch(url))))
    const chat = useChatStore()
    const { send, stop, streaming } = useChatStream()
    const done = send('Slow one')
    await vi.waitFor(() => expect(chat.messages[1]?.content).toBe('partial'))
    expect(streaming.value).toBe(true)
    stop()
    await done
    expect(chat.messages[1]).toMatchObject({ status: 'stopped', content: 'partial' })
  })

  it('shows an API error as a sentence, not JSON', async () => {
    vi.stubGlobal('fetch', vi.fn(() =>
      Promise.resolve(new Response('{"error":{"code":"not_found","message":"No such knowledge base."}}', { status: 404 })),
    ))
    const chat = useChatStore()
    await useChatStream().send('Where?')
    const answer = chat.messages[1]!
    expect(answer.status).toBe('error')
    expect(answer.error).toMatch(/No such knowledge base|not there/)
    expect(answer.error).not.toContain('{')
  })

  it('an error event ends the answer with its message', async () => {
    const stream = streamResponse([sse([['session', { session_id: 's1' }], ['error', { code: 'llm_unavailable', message: 'The model server did not answer.' }]])])
    vi.stubGlobal('fetch', vi.fn((url: string, init: RequestInit) => (url === '/api/chat/stream' ? stream(url, init) : jsonFetch(url))))
    const chat = useChatStore()
    await useChatStream().send('Hi')
    expect(chat.messages[1]).toMatchObject({ status: 'error', error: 'The model server did not answer.' })
  })

  it('regenerate replaces the last exchange', async () => {
    const text = sse([['session', { session_id: 's1' }], ['token', { delta: 'again' }], ['done', { answer: 'again', citations: [] }]])
    vi.stubGlobal('fetch', vi.fn((url: string, init: RequestInit) => (url === '/api/chat/stream' ? streamResponse([text])(url, init) : jsonFetch(url))))
    const chat = useChatStore()
    const s = useChatStream()
    await s.send('Q')
    await s.regenerate()
    expect(chat.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Q'],
      ['assistant', 'again'],
    ])
  })
})
