/** Knowledge bases: the list in the sidebar and the one selected. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as api from '@/api/kbs'
import type { KnowledgeBase } from '@/types/api'

export const useKbStore = defineStore('kbs', () => {
  const items = ref<KnowledgeBase[]>([])
  const loaded = ref(false)
  const selectedId = ref<string | null>(null)

  const selected = computed(() => items.value.find((k) => k.id === selectedId.value) ?? null)
  const byId = computed(() => new Map(items.value.map((k) => [k.id, k])))
  const totalDocuments = computed(() => items.value.reduce((n, k) => n + (k.document_count || 0), 0))

  async function load(): Promise<void> {
    items.value = await api.listKbs()
    loaded.value = true
    if (selectedId.value && !byId.value.has(selectedId.value)) selectedId.value = null
  }

  async function create(name: string, description = ''): Promise<KnowledgeBase> {
    const kb = await api.createKb(name, description)
    items.value = [...items.value, kb]
    selectedId.value = kb.id
    return kb
  }

  async function rename(id: string, name: string): Promise<void> {
    const kb = await api.updateKb(id, { name })
    items.value = items.value.map((k) => (k.id === id ? { ...k, ...kb } : k))
  }

  async function remove(id: string): Promise<void> {
    await api.deleteKb(id)
    items.value = items.value.filter((k) => k.id !== id)
    if (selectedId.value === id) selectedId.value = null
  }

  /** Queue every document of the knowledge base again. */
  async function reindex(id: string): Promise<void> {
    const kb = await api.reindexKb(id)
    items.value = items.value.map((k) => (k.id === id ? { ...k, ...kb } : k))
  }

  function select(id: string | null): void {
    selectedId.value = id
  }

  return { items, loaded, selectedId, selected, byId, totalDocuments, load, create, rename, remove, reindex, select }
})
