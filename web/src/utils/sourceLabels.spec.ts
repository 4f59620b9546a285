import { describe, expect, it } from 'vitest'
import { sourceChips } from './sourceLabels'
import type { Source } from '@/types/api'

const src = (index: number, over: Partial<Source>): Source => ({
  index,
  kb_id: 'k',
  doc_id: 'd',
  filename: 'notes.md',
  page: null,
  text: `passage ${index}`,
  score: 0.5,
  ...over,
})

describe('citation chips', () => {
  it('passages of one non-PDF file are named by their section, not the same file name', () => {
    const chips = sourceChips([src(1, { heading: '第二章 进程' }), src(2, { heading: 'Setup > Install' })])
    expect(chips.map((c) => c.label)).toEqual(['第二章 进程', 'Install'])
    expect(chips.every((c) => c.file === 'notes.md')).toBe(true)
  })

  it('a PDF passage keeps its file name (the page says where)', () => {
    const [chip] = sourceChips([src(1, { filename: 'spec.pdf', page: 3, heading: 'Intro' })])
    expect(chip?.label).toBe('spec.pdf')
  })

  it('the same passage retrieved twice is one chip', () => {
    const chips = sourceChips([src(1, { text: 'a  b' }), src(2, { text: 'a b' }), src(3, { text: 'c' })])
    expect(chips.map((c) => c.source.index)).toEqual([1, 3])
  })

  it('a slash inside a section title is not a path step', () => {
    expect(sourceChips([src(1, { heading: 'Network > TCP/IP basics' })])[0]?.label).toBe('TCP/IP basics')
  })

  it('a passage without a heading is named by its file', () => {
    expect(sourceChips([src(1, {})])[0]?.label).toBe('notes.md')
  })
})
