/** The conversation history list, newest first. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api/sessions'
import type { SessionSummary } from '@/types/api'

const newestFirst = (a: SessionSummary, b: SessionSummary): number =>
  (b.updated_at || b.created_at).localeCompare(a.updated_at || a.created_at)

export const useSessionStore = defineStore('sessions', () => {
  const items = ref<SessionSummary[]>([])
  const loaded = ref(false)

  async function load(): Promise<void> {
    items.value = (await api.listSessions()).slice().sort(newestFirst)
    loaded.value = true
  }

  async function rename(id: string, title: string): Promise<void> {
    const updated = await api.updateSession(id, { title })
    items.value = items.value.map((s) => (s.id === id ? { ...s, ...updated, title } : s))
  }

  async function remove(id: string): Promise<void> {
    await api.deleteSession(id)
    items.value = items.value.filter((s) => s.id !== id)
  }

  async function exportMarkdown(id: string): Promise<void> {
    const blob = await api.exportSession(id)
    const title = items.value.find((s) => s.id === id)?.title || 'conversation'
    const url = URL.createObjectURL(blob)
    const a = document.createElement('a')
    a.href = url
    a.download = `${title.replace(/[\\/:*?"<>|]+/g, '_').slice(0, 80)}.md`
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }

  return { items, loaded, load, rename, remove, exportMarkdown }
})
