import type { DocumentStatus, KbDocument, KnowledgeBase } from '@/types/api'
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

/** Import a document again from its stored file; also the Retry of a failed one. */
export const reindexDocument = (kbId: string, docId: string) =>
  sendJson<KbDocument>('POST', `/api/kbs/${enc(kbId)}/documents/${enc(docId)}/reindex`)
/** Every ready and failed document of the knowledge base queued again. */
export const reindexKb = (kbId: string) => sendJson<KnowledgeBase>('POST', `/api/kbs/${enc(kbId)}/reindex`)
/** Remove the failed or the duplicate rows, with their stored files. */
export const clearDocuments = (kbId: string, status: Extract<DocumentStatus, 'failed' | 'duplicate'>) =>
  sendJson<void>('DELETE', `/api/kbs/${enc(kbId)}/documents?status=${status}`)
