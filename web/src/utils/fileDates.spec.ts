import { describe, expect, it } from 'vitest'
import { fileModifiedAt, fullDate, rowDates, shortDate } from './fileDates'

const at = (y: number, m: number, d: number, h = 12, min = 0): Date => new Date(y, m - 1, d, h, min)

describe('shortDate', () => {
  it('gives the day for an earlier day and the time for today', () => {
    const now = at(2026, 3, 5, 18)
    expect(shortDate(at(2026, 3, 2, 9).toISOString(), now)).toBe('2026-03-02')
    expect(shortDate(at(2026, 3, 5, 9, 7).toISOString(), now)).toBe('09:07')
  })

  it('gives nothing for a missing or broken date', () => {
    expect(shortDate(null)).toBe('')
    expect(shortDate('not a date')).toBe('')
    expect(fullDate(undefined, 'en')).toBe('')
  })
})

describe('rowDates', () => {
  it('shows the file time only when it is known', () => {
    const now = at(2026, 3, 5)
    const imported = at(2026, 3, 4).toISOString()
    expect(rowDates({ imported_at: imported, modified_at: null }, now)).toEqual({
      imported: '2026-03-04',
      modified: null,
    })
    const edited = at(2025, 12, 31).toISOString()
    expect(rowDates({ imported_at: imported, modified_at: edited }, now).modified).toBe('2025-12-31')
  })
})

describe('fileModifiedAt', () => {
  it('sends the browser file time as ISO, and nothing when the browser has none', () => {
    expect(fileModifiedAt({ lastModified: Date.UTC(2026, 2, 2, 8, 30) })).toBe('2026-03-02T08:30:00.000Z')
    expect(fileModifiedAt({ lastModified: 0 })).toBeNull()
    expect(fileModifiedAt({ lastModified: Number.NaN })).toBeNull()
  })
})
