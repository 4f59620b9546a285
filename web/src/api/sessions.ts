import type { SessionDetail, SessionSummary } from '@/types/api'
import { enc, getJson, request, sendJson } from './http'

export const listSessions = () => getJson<SessionSummary[]>('/api/sessions')
export const getSession = (id: string) => getJson<SessionDetail>(`/api/sessions/${enc(id)}`)
export const updateSession = (id: string, patch: { title?: string; kb_ids?: string[] }) =>
  sendJson<SessionSummary>('PATCH', `/api/sessions/${enc(id)}`, patch)
export const deleteSession = (id: string) => sendJson<void>('DELETE', `/api/sessions/${enc(id)}`)

export async function exportSession(id: string): Promise<Blob> {
  const res = await request(`/api/sessions/${enc(id)}/export`)
  return res.blob()
}
