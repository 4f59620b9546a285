/** Layout state: the right-hand panel, dialogs, theme and language. */
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { KbDocument, Source } from '@/types/api'
import { i18n, setLocale, type AppLocale } from '@/i18n'

export type SidePanel = 'none' | 'documents' | 'source'

export interface OpenSource {
  source: Source
  /** The answer that cited it, to highlight what was taken from the passage. */
  answer: string
}

const THEME_KEY = 'wowrag.theme'

function initialDark(): boolean {
  const saved = localStorage.getItem(THEME_KEY)
  if (saved) return saved === 'dark'
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false
}

export const useUiStore = defineStore('ui', () => {
  const panel = ref<SidePanel>('none')
  const openSource = ref<OpenSource | null>(null)
  const settingsOpen = ref(false)
  const kbDialogOpen = ref(false)
  const dark = ref(initialDark())
  const locale = ref<AppLocale>(i18n.global.locale.value)

  watch(
    dark,
    (v) => {
      document.documentElement.classList.toggle('dark', v)
      localStorage.setItem(THEME_KEY, v ? 'dark' : 'light')
    },
    { immediate: true },
  )
  watch(locale, (v) => setLocale(v), { immediate: true })

  function showSource(source: Source, answer: string): void {
    openSource.value = { source, answer }
    panel.value = 'source'
  }

  /** A document opened from its row: the viewer at its start, nothing cited (index 0). */
  function showDocument(doc: KbDocument): void {
    const { kb_id, id: doc_id, filename } = doc
    showSource({ index: 0, kb_id, doc_id, filename, page: null, text: '', score: 0 }, '')
  }

  function showDocuments(): void {
    panel.value = 'documents'
  }

  function closePanel(): void {
    panel.value = 'none'
  }

  return {
    panel,
    openSource,
    settingsOpen,
    kbDialogOpen,
    dark,
    locale,
    showSource,
    showDocument,
    showDocuments,
    closePanel,
  }
})
