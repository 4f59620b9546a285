/**
 * The one Markdown renderer of the app: markdown-it with raw HTML off, then DOMPurify,
 * then citation links made from text nodes of the sanitised tree.
 *
 * Answers quote documents, and documents are untrusted: nothing in them may run, load a
 * remote resource or leave the app in place. So raw HTML is escaped by markdown-it,
 * DOMPurify removes whatever could still slip through, images are dropped unless inline
 * data, and every link opens outside the app.
 */
import MarkdownIt from 'markdown-it'
import DOMPurify from 'dompurify'
import hljs from 'highlight.js/lib/core'
import bash from 'highlight.js/lib/languages/bash'
import css from 'highlight.js/lib/languages/css'
import go from 'highlight.js/lib/languages/go'
import java from 'highlight.js/lib/languages/java'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import python from 'highlight.js/lib/languages/python'
import rust from 'highlight.js/lib/languages/rust'
import sql from 'highlight.js/lib/languages/sql'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'
import cpp from 'highlight.js/lib/languages/cpp'

const languages = { bash, css, go, java, javascript, json, python, rust, sql, typescript, xml, yaml, cpp }
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang)
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' })
hljs.registerAliases(['js'], { languageName: 'javascript' })
hljs.registerAliases(['ts'], { languageName: 'typescript' })
hljs.registerAliases(['py'], { languageName: 'python' })
hljs.registerAliases(['html', 'vue'], { languageName: 'xml' })
hljs.registerAliases(['c', 'c++', 'h'], { languageName: 'cpp' })

function makeParser(highlight: boolean) {
  return new MarkdownIt({
    html: false,
    linkify: true,
    breaks: true,
    typographer: false,
    highlight: highlight
      ? (code, lang) => {
          const name = lang && hljs.getLanguage(lang) ? lang : ''
          if (!name) return ''
          try {
            return `<pre class="hljs"><code>${hljs.highlight(code, { language: name, ignoreIllegals: true }).value}</code></pre>`
          } catch {
            return ''
          }
        }
      : () => '',
  })
}

const parsers = { plain: makeParser(false), highlighted: makeParser(true) }

const SAFE_LINK = /^(https?:|mailto:)/i
const SAFE_IMAGE = /^data:image\/(png|gif|jpe?g|webp);base64,/i
const SKIP_CITATIONS = new Set(['A', 'CODE', 'PRE'])

let purifier: ReturnType<typeof DOMPurify> | null = null

/** A DOMPurify instance of our own, so its hooks never touch anyone else's. */
function getPurifier(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier
  const p = DOMPurify(window)
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href') ?? ''
      if (!SAFE_LINK.test(href.trim())) {
        node.removeAttribute('href')
      } else {
        node.setAttribute('target', '_blank')
        node.setAttribute('rel', 'noopener noreferrer nofollow')
      }
    }
    if (node.nodeName === 'IMG') {
      const src = node.getAttribute('src') ?? ''
      if (!SAFE_IMAGE.test(src.trim())) {
        const alt = node.getAttribute('alt') ?? ''
        const span = node.ownerDocument.createElement('span')
        span.className = 'md-image-removed'
        span.textContent = alt ? `[${alt}]` : ''
        node.replaceWith(span)
      }
    }
  })
  purifier = p
  return p
}

export interface RenderOptions {
  /** Highlight code blocks: off while streaming (costly), on for finished answers. */
  highlight?: boolean
  /** The source indexes that exist; `[n]` outside them stays plain text. Omit to link all. */
  citations?: ReadonlySet<number> | null
}

const CITATION = /\[(\d{1,3})\]/g

/** Turns `[n]` in text nodes into citation links, building elements (never HTML strings). */
function linkCitations(root: Node, valid: ReadonlySet<number> | null | undefined): void {
  const doc = root.ownerDocument ?? document
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  const texts: Text[] = []
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let parent = n.parentNode
    let skip = false
    while (parent && parent !== root) {
      if (SKIP_CITATIONS.has(parent.nodeName)) skip = true
      parent = parent.parentNode
    }
    if (!skip && CITATION.test(n.nodeValue ?? '')) texts.push(n as Text)
    CITATION.lastIndex = 0
  }
  for (const text of texts) {
    const value = text.nodeValue ?? ''
    const frag = doc.createDocumentFragment()
    let last = 0
    for (const m of value.matchAll(CITATION)) {
      const index = Number(m[1])
      if (valid && !valid.has(index)) continue
      const at = m.index ?? 0
      if (at > last) frag.append(value.slice(last, at))
      const a = doc.createElement('a')
      a.className = 'citation'
      a.setAttribute('data-testid', 'citation')
      a.setAttribute('data-index', String(index))
      a.setAttribute('role', 'button')
      a.setAttribute('tabindex', '0')
      a.textContent = `[${index}]`
      frag.append(a)
      last = at + m[0].length
    }
    if (last === 0) continue
    if (last < value.length) frag.append(value.slice(last))
    text.replaceWith(frag)
  }
}

/** Renders untrusted Markdown to HTML that is safe to put in `v-html`. */
export function renderMarkdown(source: string, options: RenderOptions = {}): string {
  const parser = options.highlight ? parsers.highlighted : parsers.plain
  const raw = parser.render(source)
  const p = getPurifier()
  const fragment = p.sanitize(raw, {
    RETURN_DOM_FRAGMENT: true,
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
    FORBID_ATTR: ['style', 'srcset', 'action', 'formaction', 'xlink:href'],
    ALLOW_DATA_ATTR: false,
  })
  linkCitations(fragment, options.citations)
  const box = document.createElement('div')
  box.append(fragment)
  return box.innerHTML
}
