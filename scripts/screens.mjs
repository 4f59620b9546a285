// The README screenshots, taken from the real app: a fresh data dir, a realistic Chinese
// and English library (scripts/screens_corpus.py), questions in both languages, sources
// opened in the document viewer. Writes docs/screenshot-*.png (1400 x 900, and one at
// 900 x 700). Run from web/: `npm run screenshots` (needs `npm run build` first).
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchBrowser, repoRoot, startBackend, tid } from '../tests/e2e/harness.mjs'

const OUT = process.env.WOWRAG_SCREENSHOTS || join(repoRoot, 'docs')
const python = existsSync(join(repoRoot, '.venv', 'bin', 'python')) ? join(repoRoot, '.venv', 'bin', 'python') : 'python3'
const TYPES = { '.pdf': 'application/pdf', '.md': 'text/markdown', '.csv': 'text/csv' }

const LIBRARY = [
  // a linked folder: the notes stay where they are and are kept in sync
  { name: '课程笔记', description: '操作系统课程', files: ['操作系统课程笔记.md'], folder: '课程笔记' },
  {
    name: 'Home & HR',
    description: 'Manuals and the staff handbook',
    files: ['Nimbus-H2-user-manual.pdf', '员工手册-2026.docx', 'spare-parts.csv'],
  },
]

/** Builds the library in a corpus folder that must live as long as its linked folders. */
async function buildLibrary(backend, corpus) {
  execFileSync(python, [join(repoRoot, 'scripts', 'screens_corpus.py'), corpus], { cwd: repoRoot })
  for (const kb of LIBRARY) {
    const made = await backend.api('POST', '/api/kbs', { name: kb.name, description: kb.description })
    if (kb.folder) {
      const folder = join(corpus, kb.folder)
      mkdirSync(folder)
      for (const file of kb.files) copyFileSync(join(corpus, file), join(folder, file))
      const linked = await backend.api('POST', `/api/kbs/${made.body.id}/folders`, { path: folder })
      if (linked.status !== 201) throw new Error(`link: ${linked.status} ${JSON.stringify(linked.body)}`)
    } else {
      const form = new FormData()
      for (const file of kb.files) {
        const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream'
        form.append('files', new Blob([readFileSync(join(corpus, file))], { type }), file)
      }
      const res = await fetch(`${backend.url}/api/kbs/${made.body.id}/documents`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${backend.token}` },
        body: form,
      })
      if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`)
    }
    for (;;) {
      const docs = (await backend.api('GET', `/api/kbs/${made.body.id}/documents`)).body
      if (docs.some((d) => d.status === 'failed')) throw new Error(JSON.stringify(docs))
      if (docs.length === kb.files.length && docs.every((d) => d.status === 'ready')) break
      await new Promise((r) => setTimeout(r, 300))
    }
  }
}

async function openPage(browser, backend, { width = 1400, height = 900, locale = 'en-US', dark = false } = {}) {
  const context = await browser.newContext({
    viewport: { width, height },
    locale,
    colorScheme: dark ? 'dark' : 'light',
    deviceScaleFactor: 1,
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('page error:', String(e)))
  await page.goto(`${backend.url}/?token=${backend.token}`)
  await page.locator(tid('chat-input')).waitFor()
  await page.waitForLoadState('networkidle')
  return page
}

async function ask(page, question) {
  const before = await page.locator(tid('message-assistant')).count()
  await page.locator(tid('chat-input')).fill(question)
  await page.locator(tid('chat-input')).press('Enter')
  const answer = page.locator(tid('message-assistant')).nth(before)
  await answer.waitFor()
  await page.waitForFunction(
    (sel) => [...document.querySelectorAll(sel)].pop()?.dataset.status !== 'streaming',
    tid('message-assistant'),
    { timeout: 60_000 },
  )
  return answer
}

/** Opens the first citation of the answer and waits until the viewer marked it. */
async function openCitation(page, answer) {
  await answer.locator(tid('citation')).first().click()
  await page.locator(`${tid('doc-viewer')} ${tid('doc-viewer-highlight')}`).first().waitFor({ timeout: 30_000 })
  await page.waitForTimeout(400) // the panel's slide-in
}

async function shot(page, name) {
  await page.mouse.move(0, 0)
  await page.screenshot({ path: join(OUT, `screenshot-${name}.png`) })
  console.log(`wrote docs/screenshot-${name}.png`)
}

async function main() {
  const backend = await startBackend()
  const browser = await launchBrowser()
  const corpus = mkdtempSync(join(tmpdir(), 'wowrag-screens-'))
  try {
    let page = await openPage(browser, backend)
    await shot(page, 'welcome')
    await page.context().close()

    await buildLibrary(backend, corpus)

    page = await openPage(browser, backend)
    await openCitation(page, await ask(page, 'How often should I replace the reverse osmosis membrane?'))
    await shot(page, 'chat')
    await page.context().close()

    page = await openPage(browser, backend, { locale: 'zh-CN' })
    await openCitation(page, await ask(page, '时间片轮转调度的时间片一般取多长？'))
    await shot(page, 'chat-zh')
    await page.locator(tid('kb-item')).nth(1).click()
    await page.locator(tid('doc-row')).first().waitFor()
    await page.waitForTimeout(400)
    await shot(page, 'documents')
    await page.locator(tid('kb-item')).filter({ hasText: '课程笔记' }).click()
    await page.locator(tid('folder-item')).first().waitFor()
    await page.waitForTimeout(400)
    await shot(page, 'folders')
    await page.locator(tid('settings-open')).click()
    await page.locator('.el-dialog').first().waitFor()
    await page.waitForTimeout(500)
    await shot(page, 'settings')
    await page.context().close()

    page = await openPage(browser, backend, { locale: 'zh-CN', dark: true })
    await openCitation(page, await ask(page, '一线城市出差住宿每晚的标准是多少？'))
    await shot(page, 'dark')
    await page.context().close()

    page = await openPage(browser, backend, { width: 900, height: 700 })
    await ask(page, 'What inlet water pressure does the purifier need?')
    await shot(page, 'narrow')
    await page.context().close()
  } finally {
    await browser.close()
    await backend.stop()
    rmSync(corpus, { recursive: true, force: true })
  }
  console.log(readdirSync(OUT).filter((f) => f.startsWith('screenshot-')).join('\n'))
}

await main()
