/**
 * Finds the parts of a source passage that an answer took from it, as plain-text
 * segments (rendered with text interpolation, never as HTML).
 */

export interface Segment {
  text: string
  mark: boolean
}

const CITE = /\[(\d{1,3})\]/g

/** Sentences of the answer that cite `index`, citation markers removed. */
export function citingSentences(answer: string, index: number): string[] {
  // A sentence runs to its end mark and keeps the markers that follow it: "… 93 °C. [1]".
  const sentences = answer.match(/[^.!?。！？；;\n]+[.!?。！？；;]*(?:\s*\[\d{1,3}\])*/g) ?? []
  const out: string[] = []
  for (const s of sentences) {
    const cites = [...s.matchAll(CITE)].map((m) => Number(m[1]))
    if (!cites.includes(index)) continue
    const clean = s
      .replace(CITE, '')
      .replace(/^[\s\-*>#]+/, '')
      .replace(/[\s.。!?！？；;]+$/, '')
      .trim()
    if (clean.length >= 4) out.push(clean)
  }
  return out
}

/** Marks where the citing sentences occur in the passage (exact, whitespace-tolerant). */
export function highlightPassage(passage: string, quotes: string[]): Segment[] {
  const ranges: Array<[number, number]> = []
  const squash = (s: string): string => s.replace(/\s+/g, ' ')
  const flat = squash(passage)
  for (const q of quotes) {
    const needle = squash(q)
    let at = flat.indexOf(needle)
    while (at !== -1) {
      ranges.push([at, at + needle.length])
      at = flat.indexOf(needle, at + needle.length)
    }
  }
  if (ranges.length === 0) return [{ text: flat, mark: false }]
  ranges.sort((a, b) => a[0] - b[0])
  const out: Segment[] = []
  let pos = 0
  for (const [start, end] of ranges) {
    if (end <= pos) continue
    const s = Math.max(start, pos)
    if (s > pos) out.push({ text: flat.slice(pos, s), mark: false })
    out.push({ text: flat.slice(s, end), mark: true })
    pos = end
  }
  if (pos < flat.length) out.push({ text: flat.slice(pos), mark: false })
  return out
}
