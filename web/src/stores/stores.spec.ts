import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useChatStore } from './chat'
import { useDocumentStore } from './documents'
import { useKbStore } from './kbs'
import { useSessionStore } from './sessions'
import type { KbDocument } from '@/types/api'

const doc = (over: Partial<KbDocument>): KbDocument => ({
  id: 'd1',
  kb_id: 'k1',
  filename: 'a.md',
  size: 10,
  sha256: '',
  status: 'queued',
  progress: 0,
  error: null,
  chunk_count: 0,
  pages: null,
  created_at: '2024-01-01T00:00:00Z',
  imported_at: '2024-01-01T00:00:00Z',
  modified_at: null,
  folder_id: null,
  relative_path: null,
  ...over,
})

const json = (body: unknown, status = 200): Promise<Response> =>
  Promise.resolve(new Response(JSON.stringify(body), { status }))

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

describe('useDocumentStore', () => {
  it('applies document events to the list they belong to', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json([doc({})])))
    const docs = useDocumentStore()
    await docs.load('k1')
    docs.apply(doc({ status: 'embedding', progress: 0.5 }))
    docs.apply(doc({ id: 'd2', filename: 'b.md' }))
    docs.apply(doc({ id: 'd9', kb_id: 'other' }))
    expect(docs.byKb.k1!.map((d) => [d.id, d.status])).toEqual([
      ['d2', 'queued'],
      ['d1', 'embedding'],
    ])
    expect(docs.byKb.other).toBeUndefined()
  })
})

describe('useDocumentStore lifecycle', () => {
  it('lists newest first and keeps a row in place when its status changes', async () => {
    const listed = [doc({ id: 'old' }), doc({ id: 'mid' }), doc({ id: 'new' })]
    vi.stubGlobal('fetch', vi.fn(() => json(listed.map((d) => ({ ...d })))))
    const docs = useDocumentStore()
    await docs.load('k1')
    docs.apply(doc({ id: 'mid', status: 'failed' }))
    docs.apply(doc({ id: 'newest' }))
    docs.apply(doc({ id: 'mid', status: 'queued' }))
    expect(docs.byKb.k1!.map((d) => d.id)).toEqual(['newest', 'new', 'mid', 'old'])
  })

  it('clears the rows of one status and re-indexes a row in place', async () => {
    const fetchMock = vi.fn((url: string, init?: RequestInit) => {
      if (init?.method === 'DELETE') return Promise.resolve(new Response(null, { status: 204 }))
      if (url.endsWith('/reindex')) return json(doc({ id: 'b', status: 'queued' }), 202)
      return json([doc({ id: 'a', status: 'failed' }), doc({ id: 'b', status: 'failed' }), doc({ id: 'c', status: 'duplicate' })])
    })
    vi.stubGlobal('fetch', fetchMock)
    const docs = useDocumentStore()
    await docs.load('k1')
    await docs.reindex('k1', 'b')
    await docs.clear('k1', 'failed')
    expect(fetchMock.mock.calls.map(([u, i]) => `${i?.method ?? 'GET'} ${u}`)).toEqual([
      'GET /api/kbs/k1/documents',
      'POST /api/kbs/k1/documents/b/reindex',
      'DELETE /api/kbs/k1/documents?status=failed',
    ])
    expect(docs.byKb.k1!.map((d) => [d.id, d.status])).toEqual([
      ['c', 'duplicate'],
      ['b', 'queued'],
    ])
  })
})

describe('useKbStore', () => {
  it('creates, selects and removes a knowledge base', async () => {
    const kb = { id: 'k1', name: 'Docs', description: '', created_at: '', document_count: 0, chunk_count: 0 }
    const fetchMock = vi.fn((_u: string, init?: RequestInit) =>
      init?.method === 'DELETE' ? Promise.resolve(new Response(null, { status: 204 })) : json(kb, 201),
    )
    vi.stubGlobal('fetch', fetchMock)
    const kbs = useKbStore()
    await kbs.create('Docs')
    expect(kbs.selected?.name).toBe('Docs')
    await kbs.remove('k1')
    expect(kbs.items).toEqual([])
    expect(kbs.selectedId).toBeNull()
  })

  it('surfaces a duplicate name as an ApiError with the server message', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json({ error: { code: 'conflict', message: 'Name taken' } }, 409)))
    await expect(useKbStore().create('Docs')).rejects.toMatchObject({ status: 409, code: 'conflict', message: 'Name taken' })
  })
})

describe('useSessionStore', () => {
  it('lists conversations newest first', async () => {
    vi.stubGlobal('fetch', vi.fn(() =>
      json([
        { id: 'old', title: 'a', kb_ids: [], created_at: '2024-01-01', updated_at: '2024-01-01' },
        { id: 'new', title: 'b', kb_ids: [], created_at: '2024-01-02', updated_at: '2024-03-01' },
      ]),
    ))
    const s = useSessionStore()
    await s.load()
    expect(s.items.map((x) => x.id)).toEqual(['new', 'old'])
  })
})

describe('useChatStore', () => {
  it('remembers the open conversation and scope across reloads', async () => {
    vi.stubGlobal('fetch', vi.fn(() =>
      json({
        id: 's1', title: 'T', kb_ids: ['k1'], created_at: '', updated_at: '',
        messages: [
          { id: 'm1', role: 'user', content: 'Q', created_at: '' },
          { id: 'm2', role: 'assistant', content: 'A [1]', sources: [], status: 'stopped', created_at: '' },
        ],
      }),
    ))
    await useChatStore().open('s1')
    setActivePinia(createPinia())
    const again = useChatStore()
    expect(again.sessionId).toBe('s1')
    expect(again.scopeKbIds).toEqual(['k1'])
  })

  it('a slow restore does not replace the conversation opened after it', async () => {
    let release: (r: Response) => void = () => {}
    const slow = new Promise<Response>((r) => (release = r))
    const detail = (id: string) => ({ id, title: id, kb_ids: [], created_at: '', updated_at: '', messages: [] })
    vi.stubGlobal('fetch', vi.fn((url: string) => (url.endsWith('/old') ? slow : json(detail('new')))))
    const chat = useChatStore()
    const restoring = chat.open('old')
    await chat.open('new')
    release(new Response(JSON.stringify(detail('old'))))
    await restoring
    expect(chat.sessionId).toBe('new')
  })
})
