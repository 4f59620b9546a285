/** Server-side settings (LLM, retrieval) plus what the server says about itself. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api/settings'
import type { AppSettings, LlmPreset, ServerInfo } from '@/types/api'

/** Used when the server has no /api/llm/presets yet. */
export const FALLBACK_PRESETS: LlmPreset[] = [
  { id: 'ollama', name: 'Ollama', base_url: 'http://127.0.0.1:11434/v1', needs_key: false },
  { id: 'lmstudio', name: 'LM Studio', base_url: 'http://127.0.0.1:1234/v1', needs_key: false },
  { id: 'llamacpp', name: 'llama.cpp server', base_url: 'http://127.0.0.1:8080/v1', needs_key: false },
  { id: 'vllm', name: 'vLLM', base_url: 'http://127.0.0.1:8000/v1', needs_key: false },
  { id: 'deepseek', name: 'DeepSeek', base_url: 'https://api.deepseek.com/v1', needs_key: true },
  {
    id: 'dashscope',
    name: 'Qwen (DashScope)',
    base_url: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
    needs_key: true,
  },
  { id: 'openai', name: 'OpenAI', base_url: 'https://api.openai.com/v1', needs_key: true },
]

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<AppSettings | null>(null)
  const info = ref<ServerInfo | null>(null)
  const presets = ref<LlmPreset[]>(FALLBACK_PRESETS)

  async function load(): Promise<void> {
    settings.value = await api.getSettings()
  }

  async function loadExtras(): Promise<void> {
    const [i, p] = await Promise.allSettled([api.getInfo(), api.getPresets()])
    if (i.status === 'fulfilled') info.value = i.value
    if (p.status === 'fulfilled' && p.value?.length) presets.value = p.value
  }

  async function save(patch: Partial<{ llm: object; retrieval: object }>): Promise<void> {
    settings.value = await api.putSettings(patch)
  }

  return { settings, info, presets, load, loadExtras, save }
})
