/**
 * Marks ranges of an element's text (offsets into its `textContent`) by wrapping the text
 * nodes they cover in `<mark>` elements: the rendered document, or pdf.js's text layer,
 * stays as it was around them. Elements are built, never HTML strings.
 */
import type { TextRange } from './highlight'

export const HIGHLIGHT_TEST_ID = 'doc-viewer-highlight'

export function markRanges(root: HTMLElement, ranges: TextRange[]): HTMLElement[] {
  if (!ranges.length) return []
  const doc = root.ownerDocument
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  const pieces: Array<{ node: Text; from: number; to: number }> = []
  let offset = 0
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const node = n as Text
    const length = node.data.length
    for (const [start, end] of ranges) {
      const from = Math.max(start, offset)
      const to = Math.min(end, offset + length)
      if (from < to) pieces.push({ node, from: from - offset, to: to - offset })
    }
    offset += length
  }
  const marks: HTMLElement[] = []
  // From the last piece back, so that splitting a node keeps earlier offsets valid.
  for (const { node, from, to } of pieces.reverse()) {
    if (!node.data.slice(from, to).trim()) continue
    const middle = node.splitText(from)
    middle.splitText(to - from)
    const mark = doc.createElement('mark')
    mark.className = 'doc-mark'
    mark.setAttribute('data-testid', HIGHLIGHT_TEST_ID)
    middle.replaceWith(mark)
    mark.append(middle)
    marks.unshift(mark)
  }
  return marks
}

/** Removes the marks of `markRanges`, leaving the text as it was. */
export function clearMarks(root: HTMLElement): void {
  for (const mark of root.querySelectorAll('mark.doc-mark')) {
    const parent = mark.parentNode
    mark.replaceWith(...mark.childNodes)
    parent?.normalize()
  }
}
