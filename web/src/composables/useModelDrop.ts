/**
 * A GGUF model file dropped anywhere on the window is offered as the app's model: on
 * "Use it" it is copied into the data dir (POST /api/llm/models/import) and the local
 * model provider is switched to it. Other files go on to their own drop zones.
 */
import { onBeforeUnmount, onMounted } from 'vue'
import { ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message-box/style/css'
import { request } from '@/api/http'
import { i18n } from '@/i18n'
import { useSettingsStore } from '@/stores/settings'
import { describeError } from '@/utils/errors'
import { notify } from '@/utils/notify'

const isModel = (file: File): boolean => file.name.toLowerCase().endsWith('.gguf')

export async function importModel(file: File): Promise<string> {
  const form = new FormData()
  form.append('file', file, file.name)
  const res = await request('/api/llm/models/import', { method: 'POST', body: form })
  return ((await res.json()) as { path: string }).path
}

export function useModelDrop(): void {
  const settings = useSettingsStore()
  const t = i18n.global.t

  async function offer(file: File): Promise<void> {
    try {
      await ElMessageBox.confirm(t('shell.modelDropAsk', { name: file.name }), t('shell.modelDropTitle'), {
        confirmButtonText: t('shell.modelDropUse'),
        cancelButtonText: t('common.cancel'),
        type: 'info',
      })
    } catch {
      return // declined
    }
    notify('info', t('shell.modelImporting', { name: file.name }))
    try {
      const path = await importModel(file)
      await settings.save({ llm: { provider: 'llama_cpp', model_path: path } })
      notify('success', t('shell.modelImported', { name: file.name }))
    } catch (e) {
      notify('error', t('shell.modelDropFailed', { reason: describeError(e) }))
    }
  }

  function onDragOver(e: DragEvent): void {
    // Without this a file dropped outside a drop zone would replace the page.
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault()
  }

  function onDrop(e: DragEvent): void {
    const files = [...(e.dataTransfer?.files ?? [])]
    const model = files.find(isModel)
    if (!model) {
      if (files.length) e.preventDefault()
      return
    }
    // Ahead of the document drop zones (and the desktop window's path lookup): a model is
    // not a document.
    e.preventDefault()
    e.stopImmediatePropagation()
    void offer(model)
  }

  onMounted(() => {
    window.addEventListener('dragover', onDragOver)
    window.addEventListener('drop', onDrop, true)
  })
  onBeforeUnmount(() => {
    window.removeEventListener('dragover', onDragOver)
    window.removeEventListener('drop', onDrop, true)
  })
}
