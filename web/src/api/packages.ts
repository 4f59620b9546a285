/** Portable knowledge bases (.wowkb): export streams to a download, import uploads one. */
import type { KnowledgeBase } from '@/types/api'
import { enc, errorFromXhrBody, networkError } from './http'

export const exportUrl = (kbId: string): string => `/api/kbs/${enc(kbId)}/export`

/**
 * Starts the package's download. A link rather than fetch + Blob: the browser streams the
 * package to disk, so a knowledge base of gigabytes never sits in the page's memory. The
 * sign-in cookie goes with it (same origin).
 */
export function downloadPackage(kbId: string): void {
  const a = document.createElement('a')
  a.href = exportUrl(kbId)
  a.download = ''
  document.body.append(a)
  a.click()
  a.remove()
}

/** Multipart upload through XMLHttpRequest, for its upload progress. */
export function importPackage(file: File, onProgress: (fraction: number) => void): Promise<KnowledgeBase> {
  return new Promise<KnowledgeBase>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/kbs/import')
    xhr.withCredentials = true
    xhr.responseType = 'text'
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as KnowledgeBase)
      else reject(errorFromXhrBody(xhr.status, xhr.responseText))
    }
    xhr.onerror = () => reject(networkError())
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}
