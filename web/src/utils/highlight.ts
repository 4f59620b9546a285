/**
 * Finds the parts of a source that an answer took from it.
 *
 * Two steps, each tolerant of what differs between an answer and its source:
 * - `citingSentences` cuts the answer at its citation markers (a marker cites the text it
 *   closes, punctuated or not) and at real sentence ends (a dot followed by a space or the
 *   end, never a dot inside `strm.avail_out` or `1.8`);
 * - `locate` finds those sentences in a text after folding both sides the same way:
 *   whitespace and Markdown marks dropped, NFKC, lower case, with a map back to the
 *   original offsets. Line breaks of a PDF, a Markdown list marker or a full-width comma
 *   therefore do not stop a match. A sentence that is not found whole is looked for by
 *   its clauses.
 */

export interface Segment {
  text: string
  mark: boolean
}

/** A half-open [start, end) range of offsets into the original text. */
export type TextRange = [number, number]

const CITE = /\[(\d{1,3})\]/g
const CITE_GROUP = /(?:\s*\[\d{1,3}\])+/g
// CJK sentence ends always end a sentence; Latin ones only before a space or the end.
const SENTENCE_END = /(?<=[。！？；])|(?<=[.!?;])(?=\s|$)/
const CLAUSE_END = /[,，、:：;；()（）]/
// Characters that Markdown rendering removes or that layout moves around.
const IGNORED = /[\s*#>`|]/
const MIN_QUOTE = 3
const MIN_CLAUSE = 6

function cleanSentence(s: string): string {
  return s
    .replace(/^[\s\-*+>#]+/, '')
    .replace(/^\d{1,3}[.)]\s+/, '')
    .replace(/^[.,;:!?。，；：！？、]+/, '')
    .replace(/[\s.,;:!?。，；：！？、]+$/, '')
    .trim()
}

function sentencesOf(text: string): string[] {
  return text
    .split(SENTENCE_END)
    .map(cleanSentence)
    .filter((s) => fold(s).text.length >= MIN_QUOTE)
}

/** Sentences of the answer that cite `index`, citation markers removed. */
export function citingSentences(answer: string, index: number): string[] {
  const out: string[] = []
  for (const line of answer.split(/\n+/)) {
    let from = 0
    for (const group of line.matchAll(CITE_GROUP)) {
      const at = group.index ?? 0
      const cited = line.slice(from, at)
      from = at + group[0].length
      const cites = [...group[0].matchAll(CITE)].map((m) => Number(m[1]))
      if (cites.includes(index)) out.push(...sentencesOf(cited))
    }
  }
  return [...new Set(out)]
}

export interface Folded {
  text: string
  /** `at[i]` is the offset in the original text of folded character i. */
  at: number[]
  /** `end[i]` is the original offset just after folded character i. */
  end: number[]
}

/** The text as it is compared: no whitespace or Markdown marks, NFKC, lower case. */
export function fold(original: string): Folded {
  let text = ''
  const at: number[] = []
  const end: number[] = []
  let i = 0
  for (const ch of original) {
    const next = i + ch.length
    if (!IGNORED.test(ch)) {
      for (const c of ch.normalize('NFKC').toLowerCase()) {
        if (IGNORED.test(c)) continue
        text += c
        at.push(i)
        end.push(next)
      }
    }
    i = next
  }
  return { text, at, end }
}

function occurrences(hay: Folded, needle: string): TextRange[] {
  const out: TextRange[] = []
  let k = hay.text.indexOf(needle)
  while (k !== -1 && needle.length > 0) {
    out.push([hay.at[k] as number, hay.end[k + needle.length - 1] as number])
    k = hay.text.indexOf(needle, k + needle.length)
  }
  return out
}

/** Where the quotes occur in `text`, merged and sorted (original offsets). */
export function locate(text: string, quotes: string[]): TextRange[] {
  const hay = fold(text)
  const found: TextRange[] = []
  for (const quote of quotes) {
    const whole = fold(quote).text
    if (whole.length < MIN_QUOTE) continue
    const hits = occurrences(hay, whole)
    if (hits.length) {
      found.push(...hits)
      continue
    }
    for (const clause of quote.split(CLAUSE_END)) {
      const part = fold(clause).text
      if (part.length >= MIN_CLAUSE) found.push(...occurrences(hay, part))
    }
  }
  return merge(found)
}

function merge(ranges: TextRange[]): TextRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const out: TextRange[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1])
    else out.push([r[0], r[1]])
  }
  return out
}

/** The passage cut into plain and marked segments (rendered as text, never as HTML). */
export function highlightPassage(passage: string, quotes: string[]): Segment[] {
  const ranges = locate(passage, quotes)
  if (ranges.length === 0) return [{ text: passage, mark: false }]
  const out: Segment[] = []
  let pos = 0
  for (const [start, end] of ranges) {
    if (start > pos) out.push({ text: passage.slice(pos, start), mark: false })
    out.push({ text: passage.slice(start, end), mark: true })
    pos = end
  }
  if (pos < passage.length) out.push({ text: passage.slice(pos), mark: false })
  return out
}

/**
 * What to mark in a document for a cited source: the sentences the answer took, else the
 * passage whole, else the passage's own sentences (a chunk may join lines differently).
 */
export function citedRanges(text: string, passage: string, answer: string, index: number): TextRange[] {
  const taken = answer ? locate(text, citingSentences(answer, index)) : []
  if (taken.length) return taken
  if (!passage.trim()) return []
  const whole = locate(text, [passage])
  return whole.length ? whole : locate(text, sentencesOf(passage))
}
