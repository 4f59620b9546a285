/**
 * Follows GET /api/events (SSE `document` events) for the whole app lifetime.
 * EventSource retries dropped connections by itself; when the server refuses it for good
 * (readyState CLOSED) we reconnect with a growing delay. After any reconnect the open
 * document lists are reloaded, since events sent while away are lost.
 */
import { onBeforeUnmount, onMounted } from 'vue'
import { useDocumentStore } from '@/stores/documents'
import { useKbStore } from '@/stores/kbs'
import type { KbDocument } from '@/types/api'

const TERMINAL = new Set(['ready', 'failed', 'duplicate'])

export function useDocumentEvents(): void {
  const docs = useDocumentStore()
  const kbs = useKbStore()
  let source: EventSource | null = null
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let kbTimer: ReturnType<typeof setTimeout> | null = null
  let delay = 1000
  let connectedBefore = false
  let stopped = false

  // Counts in the sidebar change when imports finish; reload them at most once a second.
  function refreshKbsSoon(): void {
    if (kbTimer) return
    kbTimer = setTimeout(() => {
      kbTimer = null
      kbs.load().catch(() => undefined)
    }, 1000)
  }

  function onDocument(e: MessageEvent<string>): void {
    let doc: KbDocument
    try {
      doc = JSON.parse(e.data) as KbDocument
    } catch {
      return
    }
    docs.apply(doc)
    if (TERMINAL.has(doc.status)) refreshKbsSoon()
  }

  function resync(): void {
    for (const kbId of Object.keys(docs.byKb)) docs.load(kbId).catch(() => undefined)
    refreshKbsSoon()
  }

  function connect(): void {
    if (stopped) return
    source = new EventSource('/api/events', { withCredentials: true })
    source.addEventListener('document', onDocument as EventListener)
    source.onopen = () => {
      delay = 1000
      if (connectedBefore) resync()
      connectedBefore = true
    }
    source.onerror = () => {
      if (source?.readyState !== EventSource.CLOSED) {
        connectedBefore = true
        return
      }
      source.close()
      source = null
      retryTimer = setTimeout(connect, delay)
      delay = Math.min(delay * 2, 15_000)
    }
  }

  onMounted(connect)
  onBeforeUnmount(() => {
    stopped = true
    source?.close()
    if (retryTimer) clearTimeout(retryTimer)
    if (kbTimer) clearTimeout(kbTimer)
  })
}
