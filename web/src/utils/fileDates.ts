/**
 * The dates a document row and a cited source show: a short one to read at a glance
 * ("2026-03-02", or the time for today) and the full one for the tooltip. A source shows
 * its file's date so that a quote from an old version reads as old.
 */
import type { KbDocument } from '@/types/api'

const valid = (iso: string | null | undefined): Date | null => {
  if (!iso) return null
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** "2026-03-02" in the viewer's own time zone; "14:05" when it is today. */
export function shortDate(iso: string | null | undefined, now: Date = new Date()): string {
  const d = valid(iso)
  if (!d) return ''
  if (d.toDateString() === now.toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** Date and time, for a tooltip. */
export function fullDate(iso: string | null | undefined, locale: string): string {
  const d = valid(iso)
  return d ? d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) : ''
}

/** What a row says of its dates: when the file last changed, when known, and the import. */
export interface RowDates {
  imported: string
  modified: string | null
}

export function rowDates(doc: Pick<KbDocument, 'imported_at' | 'modified_at'>, now?: Date): RowDates {
  return { imported: shortDate(doc.imported_at, now), modified: doc.modified_at ? shortDate(doc.modified_at, now) : null }
}

/** The browser file's own last change as the upload sends it (`?modified_at=`). */
export function fileModifiedAt(file: Pick<File, 'lastModified'>): string | null {
  return Number.isFinite(file.lastModified) && file.lastModified > 0 ? new Date(file.lastModified).toISOString() : null
}
