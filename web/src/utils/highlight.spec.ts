import { describe, expect, it } from 'vitest'
import { citingSentences, highlightPassage } from './highlight'

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
})
