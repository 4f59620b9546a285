/** Documents per knowledge base, uploads in flight, and live import status from /api/events. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api/kbs'
import { uploadFile } from '@/api/upload'
import type { KbDocument } from '@/types/api'
import type { PickedFile } from '@/utils/files'
import { describeError } from '@/utils/errors'
import { localId } from '@/utils/format'

export interface UploadItem {
  id: string
  kbId: string
  name: string
  size: number
  progress: number
  error: string | null
}

const PARALLEL_UPLOADS = 3

export const useDocumentStore = defineStore('documents', () => {
  const byKb = ref<Record<string, KbDocument[]>>({})
  const uploads = ref<UploadItem[]>([])

  // One order, newest import first: the server lists by import (oldest first), a new
  // document goes on top, and a status change keeps a row where it is.
  async function load(kbId: string): Promise<void> {
    const docs = await api.listDocuments(kbId)
    byKb.value[kbId] = docs.reverse()
  }

  /** Inserts or updates one document (from an upload answer or a `document` event). */
  function apply(doc: KbDocument): void {
    const list = byKb.value[doc.kb_id]
    if (!list) return
    const i = list.findIndex((d) => d.id === doc.id)
    if (i === -1) list.unshift(doc)
    else list[i] = { ...list[i], ...doc }
  }

  async function uploadOne(item: UploadItem, picked: PickedFile): Promise<void> {
    const handle = uploadFile(item.kbId, picked.file, picked.name, (f) => {
      item.progress = f
    })
    try {
      const docs = await handle.promise
      for (const d of docs) apply(d)
      uploads.value = uploads.value.filter((u) => u.id !== item.id)
    } catch (e) {
      item.error = describeError(e)
    }
  }

  async function upload(kbId: string, files: PickedFile[]): Promise<void> {
    if (!byKb.value[kbId]) byKb.value[kbId] = []
    const queue = files.map((picked) => {
      const item: UploadItem = {
        id: localId('up'),
        kbId,
        name: picked.name,
        size: picked.file.size,
        progress: 0,
        error: null,
      }
      uploads.value.push(item)
      // Work on the reactive proxy so progress updates show.
      return { item: uploads.value[uploads.value.length - 1] as UploadItem, picked }
    })
    const workers = Array.from({ length: Math.min(PARALLEL_UPLOADS, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await uploadOne(next.item, next.picked)
    })
    await Promise.all(workers)
  }

  function dismissUpload(id: string): void {
    uploads.value = uploads.value.filter((u) => u.id !== id)
  }

  async function remove(kbId: string, docId: string): Promise<void> {
    await api.deleteDocument(kbId, docId)
    byKb.value[kbId] = (byKb.value[kbId] ?? []).filter((d) => d.id !== docId)
  }

  /** Import one again (Retry of a failed one); its row updates in place. */
  async function reindex(kbId: string, docId: string): Promise<void> {
    apply(await api.reindexDocument(kbId, docId))
  }

  /** Remove the failed or duplicate rows of a knowledge base. */
  async function clear(kbId: string, status: 'failed' | 'duplicate'): Promise<void> {
    await api.clearDocuments(kbId, status)
    byKb.value[kbId] = (byKb.value[kbId] ?? []).filter((d) => d.status !== status)
  }

  function forget(kbId: string): void {
    delete byKb.value[kbId]
    uploads.value = uploads.value.filter((u) => u.kbId !== kbId)
  }

  return { byKb, uploads, load, apply, upload, dismissUpload, remove, reindex, clear, forget }
})
