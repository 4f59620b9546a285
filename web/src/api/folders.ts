import type { LinkedFolder } from '@/types/api'
import { enc, getJson, sendJson } from './http'

const base = (kbId: string) => `/api/kbs/${enc(kbId)}/folders`

export const listFolders = (kbId: string) => getJson<LinkedFolder[]>(base(kbId))
/** Imports the folder (a path on the machine running wow-rag), then keeps it in sync. */
export const linkFolder = (kbId: string, path: string) =>
  sendJson<LinkedFolder>('POST', base(kbId), { path })
export const unlinkFolder = (kbId: string, folderId: string, keepDocuments: boolean) =>
  sendJson<void>('DELETE', `${base(kbId)}/${enc(folderId)}?keep_documents=${keepDocuments}`)
