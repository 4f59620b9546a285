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
/** Below this width the side panel overlays the chat and the sidebar folds to a rail. */
export const NARROW_QUERY = '(max-width: 1099px)'

function initialDark(): boolean {
  const saved = localStorage.getItem(THEME_KEY)
  if (saved) return saved === 'dark'
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false
}

export const useUiStore = defineStore('ui', () => {
  const panel = ref<SidePanel>('none')
  const openSource = ref<OpenSource | null>(null)
  const settingsOpen = ref(false)
  /** The settings were opened to set up a model: they start on the model servers found. */
  const modelSetup = ref(false)
  /** The server refused this page's sign-in: the signed-out screen replaces the app. */
  const signedOut = ref(false)
  const kbDialogOpen = ref(false)
  const dark = ref(initialDark())
  const locale = ref<AppLocale>(i18n.global.locale.value)
  const narrowMedia = window.matchMedia?.(NARROW_QUERY)
  const narrow = ref(narrowMedia?.matches ?? false)
  const sidebarOpen = ref(!narrow.value)
  narrowMedia?.addEventListener?.('change', (e) => {
    narrow.value = e.matches
    sidebarOpen.value = !e.matches
  })

  watch(
    dark,
    (v) => {
      document.documentElement.classList.toggle('dark', v)
      localStorage.setItem(THEME_KEY, v ? 'dark' : 'light')
    },
    { immediate: true },
  )
  watch(locale, (v) => setLocale(v), { immediate: true })

  // ... and the other way round: unfolding the sidebar there puts the panel away.
  watch(sidebarOpen, (open) => {
    if (open && narrow.value) panel.value = 'none'
  })

  function showPanel(which: SidePanel): void {
    panel.value = which
    // A narrow window has no room for three columns: the overlaying panel gets the space.
    if (narrow.value) sidebarOpen.value = false
  }

  function showSource(source: Source, answer: string): void {
    openSource.value = { source, answer }
    showPanel('source')
  }

  /** A document opened from its row: the viewer at its start, nothing cited (index 0). */
  function showDocument(doc: KbDocument): void {
    const { kb_id, id: doc_id, filename } = doc
    const modified_at = doc.modified_at ?? doc.imported_at
    showSource({ index: 0, kb_id, doc_id, filename, page: null, modified_at, text: '', score: 0 }, '')
  }

  function showDocuments(): void {
    showPanel('documents')
  }

  function setUpModel(): void {
    modelSetup.value = true
    settingsOpen.value = true
  }

  function closePanel(): void {
    panel.value = 'none'
  }

  return {
    panel,
    openSource,
    settingsOpen,
    modelSetup,
    setUpModel,
    signedOut,
    kbDialogOpen,
    dark,
    locale,
    narrow,
    sidebarOpen,
    showSource,
    showDocument,
    showDocuments,
    closePanel,
  }
})
