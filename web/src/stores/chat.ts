/**
 * The open conversation: its messages and the knowledge bases in scope.
 * Streaming itself lives in useChatStream; this store only holds what it produced.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { getSession } from '@/api/sessions'
import { useUiStore } from './ui'
import type { SessionDetail, StoredMessage } from '@/types/api'
import type { ChatMessage } from '@/types/chat'

const SESSION_KEY = 'wowrag.session'
const SCOPE_KEY = 'wowrag.scope'

function fromStored(m: StoredMessage): ChatMessage {
  return {
    id: m.id,
    role: m.role,
    content: m.content ?? '',
    sources: m.sources ?? [],
    status: m.status ?? 'done',
    createdAt: m.created_at,
  }
}

function readScope(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(SCOPE_KEY) ?? '[]')
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export const useChatStore = defineStore('chat', () => {
  const sessionId = ref<string | null>(localStorage.getItem(SESSION_KEY))
  const title = ref('')
  const messages = ref<ChatMessage[]>([])
  const scopeKbIds = ref<string[]>(readScope())
  const loading = ref(false)
  /** Bumped when a conversation is opened, so the view can scroll to its end. */
  const openedAt = shallowRef(0)

  function setSession(id: string | null): void {
    sessionId.value = id
    if (id) localStorage.setItem(SESSION_KEY, id)
    else localStorage.removeItem(SESSION_KEY)
  }

  function setScope(ids: string[]): void {
    scopeKbIds.value = ids
    localStorage.setItem(SCOPE_KEY, JSON.stringify(ids))
  }

  /** A source belongs to the conversation that cited it: another one closes it. */
  function closeSource(): void {
    const ui = useUiStore()
    if (ui.panel === 'source') ui.closePanel()
  }

  function show(detail: SessionDetail): void {
    if (detail.id !== sessionId.value) closeSource()
    setSession(detail.id)
    title.value = detail.title
    messages.value = detail.messages.map(fromStored)
    if (detail.kb_ids?.length) setScope(detail.kb_ids)
    openedAt.value = Date.now()
  }

  // Only the latest open() may show its answer: a slow restore after a reload must not
  // replace the conversation the user clicked meanwhile.
  let openTicket = 0

  async function open(id: string): Promise<void> {
    const ticket = ++openTicket
    loading.value = true
    try {
      const detail = await getSession(id)
      if (ticket === openTicket) show(detail)
    } finally {
      if (ticket === openTicket) loading.value = false
    }
  }

  function startNew(): void {
    closeSource()
    openTicket++
    loading.value = false
    setSession(null)
    title.value = ''
    messages.value = []
    openedAt.value = Date.now()
  }

  /** Adds a message and answers the reactive object, the one to mutate while streaming. */
  function push(message: ChatMessage): ChatMessage {
    messages.value.push(message)
    return messages.value[messages.value.length - 1] as ChatMessage
  }

  function removeLast(count: number): void {
    messages.value.splice(messages.value.length - count, count)
  }

  function dropKb(kbId: string): void {
    if (scopeKbIds.value.includes(kbId)) setScope(scopeKbIds.value.filter((k) => k !== kbId))
  }

  return {
    sessionId,
    title,
    messages,
    scopeKbIds,
    loading,
    openedAt,
    setSession,
    setScope,
    open,
    startNew,
    push,
    removeLast,
    dropKb,
  }
})
