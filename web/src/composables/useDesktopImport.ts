/**
 * Importing by path in the desktop window: files chosen in the native dialogs or dropped on
 * the window go to `import_paths` (no bytes over HTTP); progress then arrives through
 * /api/events like any upload. The result is told as one message.
 */
import { onBeforeUnmount, onMounted } from 'vue'
import { i18n } from '@/i18n'
import { useDocumentStore } from '@/stores/documents'
import { useKbStore } from '@/stores/kbs'
import { useUiStore } from '@/stores/ui'
import { DesktopError, importPaths, onNativeDrop, type ImportResult } from './useDesktop'
import { notify, notifyInfo } from '@/utils/notify'

const baseName = (path: string): string => path.split(/[\\/]/).filter(Boolean).pop() ?? path

/** The one message that tells how an import went, and how it should look. */
export function describeImport(result: ImportResult): { type: 'success' | 'warning'; message: string } {
  const t = i18n.global.t
  const parts: string[] = []
  const n = result.documents.length
  if (n) parts.push(t('desktop.imported', { n }, n))
  if (result.skipped) parts.push(t('desktop.skipped', { n: result.skipped }, result.skipped))
  if (result.skipped_folders) {
    parts.push(t('desktop.skippedFolders', { n: result.skipped_folders }, result.skipped_folders))
  }
  const first = result.failed[0]
  if (first) {
    const detail = `${baseName(first.path)}: ${first.message}`
    parts.push(t('desktop.failed', { n: result.failed.length, detail }, result.failed.length))
  }
  if (result.truncated) parts.push(t('desktop.truncated'))
  if (!n && !result.failed.length) parts.unshift(t('desktop.nothing'))
  const ok = n > 0 && !result.failed.length && !result.truncated
  return { type: ok ? 'success' : 'warning', message: parts.join(' · ') }
}

export function describeDesktopError(e: unknown): string {
  const t = i18n.global.t
  if (e instanceof DesktopError) {
    if (e.code === 'not_found') return t('errors.notFound')
    if (e.code === 'not_ready') return t('desktop.notReady')
    if (e.code === 'not_desktop') return t('desktop.unavailable')
  }
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : ''
  return message ? `${t('desktop.importFailed')} ${message}` : t('desktop.importFailed')
}

export function useDesktopImport() {
  const docs = useDocumentStore()
  const kbs = useKbStore()

  /** Imports `paths` into `kbId` and tells the result; resolves null when it failed. */
  async function importInto(kbId: string, paths: string[]): Promise<ImportResult | null> {
    if (!paths.length) return null
    try {
      const result = await importPaths(kbId, paths)
      for (const doc of result.documents) docs.apply(doc)
      if (result.documents.length) kbs.load().catch(() => undefined)
      const { type, message } = describeImport(result)
      notify(type, message)
      return result
    } catch (e) {
      notify('error', describeDesktopError(e))
      return null
    }
  }

  return { importInto }
}

/**
 * For the app shell: a drop of files or folders anywhere on the desktop window imports them
 * into the selected knowledge base (its documents panel opens to show the progress).
 */
export function useNativeDropImport(): void {
  const kbs = useKbStore()
  const ui = useUiStore()
  const { importInto } = useDesktopImport()
  let off: (() => void) | null = null

  onMounted(() => {
    off = onNativeDrop((dropped) => {
      // A model file is offered as the model (useModelDrop), never imported as a document.
      const paths = dropped.filter((p) => !p.toLowerCase().endsWith('.gguf'))
      if (!paths.length) return
      const kbId = kbs.selectedId
      if (!kbId) {
        notifyInfo(i18n.global.t('desktop.dropNeedsKb'))
        return
      }
      if (ui.panel !== 'documents') ui.showDocuments()
      void importInto(kbId, paths)
    })
  })
  onBeforeUnmount(() => off?.())
}
