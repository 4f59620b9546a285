import { describe, expect, it } from 'vitest'
import { citedRanges, citingSentences, highlightPassage, locate } from './highlight'

const marked = (text: string, quotes: string[]): string[] =>
  highlightPassage(text, quotes)
    .filter((s) => s.mark)
    .map((s) => s.text)

describe('citation highlighting', () => {
  it('finds the sentences that cite a source, markers after the full stop included', () => {
    const answer = 'It brews at 93 degrees. [1] Descale every 60 days [2]. 保修期为两年。[1]'
    expect(citingSentences(answer, 1)).toEqual(['It brews at 93 degrees', '保修期为两年'])
    expect(citingSentences(answer, 2)).toEqual(['Descale every 60 days'])
  })

  it('marks the quoted text in the passage', () => {
    const segs = highlightPassage('A. It brews at 93 degrees. B.', ['It brews at 93 degrees'])
    expect(segs).toEqual([
      { text: 'A. ', mark: false },
      { text: 'It brews at 93 degrees', mark: true },
      { text: '. B.', mark: false },
    ])
  })

  it('leaves the passage unmarked when nothing matches', () => {
    expect(highlightPassage('abc', ['zzzz'])).toEqual([{ text: 'abc', mark: false }])
  })

  it('sentences without end punctuation: each marker closes its own quote', () => {
    const answer = 'The tank holds 1.8 litres [1] the grinder has 12 settings [2]'
    expect(citingSentences(answer, 1)).toEqual(['The tank holds 1.8 litres'])
    expect(citingSentences(answer, 2)).toEqual(['the grinder has 12 settings'])
    const passage = 'The tank holds 1.8 litres\nThe grinder has 12 settings\n'
    expect(marked(passage, citingSentences(answer, 1))).toEqual(['The tank holds 1.8 litres'])
    expect(marked(passage, citingSentences(answer, 2))).toEqual(['The grinder has 12 settings'])
  })

  it('a dot inside a word is not a sentence end', () => {
    const answer = 'Call deflate() until strm.avail_out is not zero [1].'
    expect(citingSentences(answer, 1)).toEqual(['Call deflate() until strm.avail_out is not zero'])
    const passage = 'Loop: call deflate() until strm.avail_out is not zero. Then stop.'
    expect(marked(passage, citingSentences(answer, 1))).toEqual([
      'call deflate() until strm.avail_out is not zero',
    ])
  })

  it('line breaks and spaces of the source do not stop a match', () => {
    const passage = '熊猫咖啡机的保修\n期为两年。Warranty\n  covers   parts.'
    expect(marked(passage, ['熊猫咖啡机的保修期为两年', 'Warranty covers parts'])).toEqual([
      '熊猫咖啡机的保修\n期为两年',
      'Warranty\n  covers   parts',
    ])
  })

  it('markdown marks and full-width forms in the answer still match the source', () => {
    const answer = '- **The valve** opens at `2 bar` [3]'
    const passage = 'Note: The valve opens at 2 bar，always.'
    expect(marked(passage, citingSentences(answer, 3))).toEqual(['The valve opens at 2 bar'])
    expect(locate('ＡＢＣ１２３ done', ['abc123'])).toEqual([[0, 6]])
  })

  it('a sentence the answer reworded is still found by its longer clauses', () => {
    const passage = 'Before the first use, rinse the water tank with warm water.'
    const quote = 'As the manual says, rinse the water tank with warm water'
    expect(marked(passage, [quote])).toEqual(['rinse the water tank with warm water'])
  })

  it('a source opened without an answer marks the passage itself', () => {
    const doc = '# Guide\n\nIntro line.\n\nThe pump primes itself\nin ten seconds.\n'
    const ranges = citedRanges(doc, 'The pump primes itself in ten seconds.', '', 1)
    expect(ranges.map(([a, b]) => doc.slice(a, b))).toEqual(['The pump primes itself\nin ten seconds.'])
  })

  it('markers of other sources are not taken', () => {
    expect(citingSentences('Alpha beta gamma [2]', 1)).toEqual([])
  })
})
