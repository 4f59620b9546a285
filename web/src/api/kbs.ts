import type { KbDocument, KnowledgeBase } from '@/types/api'
import { enc, getJson, sendJson } from './http'

export const listKbs = () => getJson<KnowledgeBase[]>('/api/kbs')
export const createKb = (name: string, description = '') =>
  sendJson<KnowledgeBase>('POST', '/api/kbs', { name, description })
export const updateKb = (id: string, patch: { name?: string; description?: string }) =>
  sendJson<KnowledgeBase>('PATCH', `/api/kbs/${enc(id)}`, patch)
export const deleteKb = (id: string) => sendJson<void>('DELETE', `/api/kbs/${enc(id)}`)

export const listDocuments = (kbId: string) =>
  getJson<KbDocument[]>(`/api/kbs/${enc(kbId)}/documents`)
export const deleteDocument = (kbId: string, docId: string) =>
  sendJson<void>('DELETE', `/api/kbs/${enc(kbId)}/documents/${enc(docId)}`)
