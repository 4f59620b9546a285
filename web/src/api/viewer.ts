import type { DocumentText } from '@/types/api'
import { enc, getJson } from './http'

const documentPath = (kbId: string, docId: string): string =>
  `/api/kbs/${enc(kbId)}/documents/${enc(docId)}`

/** The stored original (same-origin, the sign-in cookie goes with it). */
export const documentFileUrl = (kbId: string, docId: string): string => `${documentPath(kbId, docId)}/file`

export const getDocumentText = (kbId: string, docId: string) =>
  getJson<DocumentText>(`${documentPath(kbId, docId)}/text`)
