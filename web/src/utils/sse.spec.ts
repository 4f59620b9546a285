import { describe, expect, it } from 'vitest'
import { SseParser, type SseMessage } from './sse'

const enc = new TextEncoder()

function feedAll(parser: SseParser, parts: Array<string | Uint8Array>): SseMessage[] {
  const out: SseMessage[] = []
  for (const p of parts) out.push(...parser.feed(typeof p === 'string' ? enc.encode(p) : p))
  out.push(...parser.end())
  return out
}

const STREAM =
  'event: session\ndata: {"type":"session","session_id":"s1"}\n\n' +
  'event: sources\ndata: {"type":"sources","sources":[]}\n\n' +
  'event: token\ndata: {"type":"token","delta":"你好，世界"}\n\n' +
  'event: done\ndata: {"type":"done","answer":"你好，世界"}\n\n'

describe('SseParser', () => {
  it('parses named events with JSON data', () => {
    const events = feedAll(new SseParser(), [STREAM])
    expect(events.map((e) => e.event)).toEqual(['session', 'sources', 'token', 'done'])
    expect(JSON.parse(events[2]!.data).delta).toBe('你好，世界')
  })

  it('gives the same events however the bytes are split across reads', () => {
    const bytes = enc.encode(STREAM)
    const whole = feedAll(new SseParser(), [bytes])
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      const parts: Uint8Array[] = []
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.slice(i, i + size))
      expect(feedAll(new SseParser(), parts)).toEqual(whole)
    }
  })

  it('keeps a UTF-8 character split between two reads whole', () => {
    const bytes = enc.encode('event: token\ndata: {"delta":"中"}\n\n')
    const cut = bytes.indexOf(0xe4) + 1 // inside the three bytes of 中
    const events = feedAll(new SseParser(), [bytes.slice(0, cut), bytes.slice(cut)])
    expect(JSON.parse(events[0]!.data).delta).toBe('中')
  })

  it('accepts CRLF and CR line ends, also a CRLF split across reads', () => {
    const p = new SseParser()
    const events = [
      ...p.feed('event: a\r\ndata: 1\r'),
      ...p.feed('\n\r\nevent: b\rdata: 2\r\r'),
      ...p.end(),
    ]
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ])
  })

  it('joins multi-line data, skips comments, defaults the event name', () => {
    const events = feedAll(new SseParser(), [': ping\n\ndata: line one\ndata: line two\nid: 7\nretry: 3000\n\n'])
    expect(events).toEqual([{ event: 'message', data: 'line one\nline two', id: '7' }])
  })

  it('holds an event back until its blank line arrives and drops an unterminated tail', () => {
    const p = new SseParser()
    expect(p.feed('event: token\ndata: {"delta":"a"}\n')).toEqual([])
    expect(p.feed('\n')).toHaveLength(1)
    expect(p.feed('event: token\ndata: {"delta":"b"}')).toEqual([])
    expect(p.end()).toEqual([])
  })

  it('treats a field without a colon and a value without a space as the spec says', () => {
    const events = feedAll(new SseParser(), ['data\n\ndata:x\n\n'])
    expect(events.map((e) => e.data)).toEqual(['', 'x'])
  })
})
