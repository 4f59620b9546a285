/**
 * Streams one answer from POST /api/chat/stream into the open conversation.
 *
 * Owns the AbortController (Stop), parses SSE with a buffer across reads, appends the
 * tokens of each read to the last message only (one reactive write per read, not per
 * token), and refreshes the history once at the end. Views only render.
 */
import { ref } from 'vue'
import { errorFromResponse, networkError } from '@/api/http'
import { useChatStore } from '@/stores/chat'
import { useSessionStore } from '@/stores/sessions'
import type { ChatEvent, ChatRequest } from '@/types/api'
import type { ChatMessage } from '@/types/chat'
import { describeError, isAbort } from '@/utils/errors'
import { localId } from '@/utils/format'
import { SseParser, type SseMessage } from '@/utils/sse'
import { i18n } from '@/i18n'
import { notify } from '@/utils/notify'

export class StreamProtocolError extends Error {
  override name = 'StreamProtocolError'
}

function parseEvent(msg: SseMessage): ChatEvent {
  let data: unknown
  try {
    data = JSON.parse(msg.data)
  } catch {
    throw new StreamProtocolError(`unreadable "${msg.event}" event`)
  }
  const type = (data as { type?: string }).type ?? msg.event
  return { ...(data as object), type } as ChatEvent
}

export interface SendOptions {
  kbIds?: string[]
  topK?: number
}

export function useChatStream() {
  const chat = useChatStore()
  const sessions = useSessionStore()
  const streaming = ref(false)
  let controller: AbortController | null = null

  /** Applies the events of one read; token deltas are joined and written once. */
  function apply(events: SseMessage[], answer: ChatMessage): void {
    let delta = ''
    const flush = (): void => {
      if (delta) answer.content += delta
      delta = ''
    }
    for (const msg of events) {
      const ev = parseEvent(msg)
      switch (ev.type) {
        case 'session':
          if (ev.session_id) chat.setSession(ev.session_id)
          if (ev.message_id) answer.id = ev.message_id
          break
        case 'sources':
          answer.sources = ev.sources ?? []
          break
        case 'token':
          delta += ev.delta ?? ''
          break
        case 'done':
          flush()
          if (typeof ev.answer === 'string' && ev.answer) answer.content = ev.answer
          answer.timings = ev.timings
          answer.status = 'done'
          break
        case 'warning':
          notify('warning', ev.message || i18n.global.t('disk.historyNotSaved'))
          break
        case 'error':
          flush()
          answer.status = 'error'
          answer.error = ev.message || ev.code
          break
      }
    }
    flush()
  }

  async function run(body: ChatRequest, answer: ChatMessage, signal: AbortSignal): Promise<void> {
    let res: Response
    try {
      res = await fetch('/api/chat/stream', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify(body),
        signal,
      })
    } catch (e) {
      throw isAbort(e) ? e : networkError()
    }
    if (!res.ok) throw await errorFromResponse(res)
    if (!res.body) throw new StreamProtocolError('empty response')
    const reader = res.body.getReader()
    const parser = new SseParser()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        apply(parser.feed(value), answer)
      }
      apply(parser.end(), answer)
    } finally {
      reader.releaseLock()
    }
    if (answer.status === 'streaming') {
      answer.status = 'error'
      answer.error = i18n.global.t('errors.streamBroken')
    }
  }

  async function send(question: string, options: SendOptions = {}): Promise<void> {
    const text = question.trim()
    if (!text || streaming.value) return
    const now = new Date().toISOString()
    chat.push({ id: localId('u'), role: 'user', content: text, sources: [], status: 'done', createdAt: now })
    const answer = chat.push({
      id: localId('a'),
      role: 'assistant',
      content: '',
      sources: [],
      status: 'streaming',
      createdAt: now,
    })
    const body: ChatRequest = { question: text }
    if (chat.sessionId) body.session_id = chat.sessionId
    if (options.kbIds?.length) body.kb_ids = options.kbIds
    if (options.topK) body.top_k = options.topK
    const current = new AbortController()
    controller = current
    streaming.value = true
    try {
      await run(body, answer, current.signal)
    } catch (e) {
      if (isAbort(e) || current.signal.aborted) {
        answer.status = 'stopped'
      } else {
        answer.status = 'error'
        answer.error = describeError(e)
      }
    } finally {
      controller = null
      streaming.value = false
    }
    await saveAtEnd()
  }

  /** The server saved the exchange; bring the history list (title, order) up to date once. */
  async function saveAtEnd(): Promise<void> {
    try {
      await sessions.load()
      const s = sessions.items.find((x) => x.id === chat.sessionId)
      if (s) chat.title = s.title
    } catch {
      // The answer is on screen; a stale history list is not worth an error toast.
    }
  }

  function stop(): void {
    controller?.abort()
  }

  /** Asks the last question again, replacing the last answer on screen. */
  async function regenerate(options: SendOptions = {}): Promise<void> {
    const msgs = chat.messages
    const last = msgs[msgs.length - 1]
    const prev = msgs[msgs.length - 2]
    if (streaming.value || !last || last.role !== 'assistant' || prev?.role !== 'user') return
    chat.removeLast(2)
    await send(prev.content, options)
  }

  return { streaming, send, stop, regenerate }
}
