/** Server-side settings (LLM, retrieval) plus what the server says about itself. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api/settings'
import type { AppSettings, LlmPreset, ServerInfo } from '@/types/api'

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<AppSettings | null>(null)
  const info = ref<ServerInfo | null>(null)
  /** From GET /api/llm/presets, the one list of known servers. */
  const presets = ref<LlmPreset[]>([])

  async function load(): Promise<void> {
    settings.value = await api.getSettings()
  }

  async function loadExtras(): Promise<void> {
    const [i, p] = await Promise.allSettled([api.getInfo(), api.getPresets()])
    if (i.status === 'fulfilled') info.value = i.value
    if (p.status === 'fulfilled' && p.value) presets.value = p.value
  }

  async function save(patch: Partial<{ llm: object; retrieval: object }>): Promise<void> {
    settings.value = await api.putSettings(patch)
  }

  return { settings, info, presets, load, loadExtras, save }
})
