/**
 * How citation chips name their sources: a PDF by file and page, any other format by the
 * section it sits in (several passages of one Markdown file are otherwise the same file
 * name over and over). The same passage retrieved twice is one chip.
 */
import type { Source } from '@/types/api'

export interface SourceChip {
  source: Source
  /** The chip's text: the section, or the file name when there is none. */
  label: string
  /** The line under it (tooltip): the file, and the page when there is one. */
  file: string
}

/** The section's own title: the last step of a heading path ("Setup > Install"). */
export const sectionTitle = (heading: string): string =>
  heading.split(/\s+[>›]\s+/).map((s) => s.trim()).filter(Boolean).pop() ?? ''

export function sourceChips(sources: Source[]): SourceChip[] {
  const seen = new Set<string>()
  const chips: SourceChip[] = []
  for (const source of sources) {
    const key = `${source.doc_id}\u0000${source.text.replace(/\s+/g, ' ').trim()}`
    if (seen.has(key)) continue
    seen.add(key)
    const section = source.page == null ? sectionTitle(source.heading ?? '') : ''
    chips.push({ source, label: section || source.filename, file: source.filename })
  }
  return chips
}
