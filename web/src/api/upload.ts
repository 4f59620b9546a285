/** Multipart upload through XMLHttpRequest, the one browser API that reports upload progress. */
import type { KbDocument } from '@/types/api'
import { enc, errorFromXhrBody, networkError } from './http'
import { fileModifiedAt } from '@/utils/fileDates'

export interface UploadHandle {
  promise: Promise<KbDocument[]>
  abort: () => void
}

export function uploadFile(
  kbId: string,
  file: File,
  name: string,
  onProgress: (fraction: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest()
  const promise = new Promise<KbDocument[]>((resolve, reject) => {
    // The file's own time travels beside it: multipart has no place for it.
    const modified = fileModifiedAt(file)
    const query = modified ? `?modified_at=${encodeURIComponent(modified)}` : ''
    xhr.open('POST', `/api/kbs/${enc(kbId)}/documents${query}`)
    xhr.withCredentials = true
    xhr.responseType = 'text'
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1)
        try {
          const body = JSON.parse(xhr.responseText) as KbDocument[] | KbDocument
          resolve(Array.isArray(body) ? body : [body])
        } catch {
          resolve([])
        }
      } else {
        reject(errorFromXhrBody(xhr.status, xhr.responseText))
      }
    }
    xhr.onerror = () => reject(networkError())
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    const form = new FormData()
    form.append('files', file, name)
    xhr.send(form)
  })
  return { promise, abort: () => xhr.abort() }
}
