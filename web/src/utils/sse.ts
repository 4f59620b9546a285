/**
 * A buffered Server-Sent Events parser (the WHATWG "event stream" format).
 *
 * Bytes arrive in arbitrary reads: an event, a line, even a UTF-8 character may be split
 * between two of them. The decoder keeps partial characters, the parser keeps the partial
 * line and the fields of the event being built, and only whole events come out.
 */

export interface SseMessage {
  event: string
  data: string
  id: string
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8')
  private buffer = ''
  private pendingCr = false
  private event = ''
  private data: string[] = []
  private hasData = false
  private lastId = ''
  /** The server's suggested reconnection delay, when it sent one. */
  retry: number | null = null

  /** Feeds one read; answers the events it completed. */
  feed(chunk: Uint8Array | string): SseMessage[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true })
    return this.consume(text)
  }

  /** Ends the stream: an unterminated last event is dropped, as the spec says. */
  end(): SseMessage[] {
    const out = this.consume(this.decoder.decode())
    this.buffer = ''
    this.resetEvent()
    return out
  }

  private consume(text: string): SseMessage[] {
    const out: SseMessage[] = []
    let s = text
    // A "\r\n" split across two reads: the "\r" already ended the line.
    if (this.pendingCr && s.startsWith('\n')) s = s.slice(1)
    this.pendingCr = false
    this.buffer += s
    let start = 0
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      const line = this.buffer.slice(start, i)
      if (c === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i++
        } else {
          this.pendingCr = true
        }
      }
      start = i + 1
      const msg = this.line(line)
      if (msg) out.push(msg)
    }
    this.buffer = this.buffer.slice(start)
    return out
  }

  private line(line: string): SseMessage | null {
    if (line === '') return this.dispatch()
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'event':
        this.event = value
        break
      case 'data':
        this.data.push(value)
        this.hasData = true
        break
      case 'id':
        if (!value.includes('\0')) this.lastId = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value)
        break
    }
    return null
  }

  private dispatch(): SseMessage | null {
    if (!this.hasData) {
      this.event = ''
      return null
    }
    const msg = { event: this.event || 'message', data: this.data.join('\n'), id: this.lastId }
    this.resetEvent()
    return msg
  }

  private resetEvent(): void {
    this.event = ''
    this.data = []
    this.hasData = false
  }
}
