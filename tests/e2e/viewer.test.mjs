// The document viewer against the real backend: a citation opens the PDF at the cited page
// with the passage marked in pdf.js's text layer, a Markdown source opens at its section,
// New chat closes the source, and the keyboard shortcuts work.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openApp, repoRoot, tid } from './harness.mjs'

const python = existsSync(join(repoRoot, '.venv', 'bin', 'python')) ? join(repoRoot, '.venv', 'bin', 'python') : 'python3'

/** A three-page PDF made by the test corpus helper (reportlab), as bytes. */
function pdfBytes() {
  const script = [
    'import sys',
    'from tests.corpus_files import pdf_bytes',
    'sys.stdout.buffer.write(pdf_bytes([',
    '  ["Pump manual", "Chapter one covers unpacking the pump."],',
    '  ["Chapter two", "The relief valve opens at 6 bar", "and closes again below 5 bar."],',
    '  ["Chapter three", "Store the pump in a dry room."],',
    ']))',
  ].join('\n')
  return execFileSync(python, ['-c', script], { cwd: repoRoot, env: { ...process.env, PYTHONPATH: repoRoot } })
}

const NOTES = [
  '# Operating systems notes',
  '',
  ...Array.from({ length: 40 }, (_, i) => `Filler paragraph ${i + 1} about the syllabus and reading list.\n`),
  '## Scheduling',
  '',
  'Round robin gives every runnable thread a time slice of equal length.',
  '',
  ...Array.from({ length: 40 }, (_, i) => `Another filler paragraph ${i + 1} about exams.\n`),
].join('\n')

let backend
let browser
let page
let kbId
const consoleErrors = []

async function upload(name, bytes, type) {
  const form = new FormData()
  form.append('files', new Blob([bytes], { type }), name)
  const res = await fetch(`${backend.url}/api/kbs/${kbId}/documents`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${backend.token}` },
    body: form,
  })
  assert.equal(res.status, 202, await res.text())
}

async function ask(question) {
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

/** The marked text inside the viewer, once at least one mark is there. */
async function highlighted() {
  const marks = page.locator(`${tid('doc-viewer')} ${tid('doc-viewer-highlight')}`)
  await marks.first().waitFor({ timeout: 30_000 })
  return (await marks.allTextContents()).join('')
}

describe('document viewer', () => {
  before(async () => {
    ;({ backend, browser, page } = await openApp())
    const kb = await backend.api('POST', '/api/kbs', { name: 'Manuals' })
    kbId = kb.body.id
    await upload('pump-manual.pdf', pdfBytes(), 'application/pdf')
    await upload('os-notes.md', NOTES, 'text/markdown')
    for (let i = 0; i < 300; i++) {
      const docs = (await backend.api('GET', `/api/kbs/${kbId}/documents`)).body
      if (docs.length === 2 && docs.every((d) => d.status === 'ready')) break
      assert.ok(!docs.some((d) => d.status === 'failed'), JSON.stringify(docs))
      await new Promise((r) => setTimeout(r, 300))
    }
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()))
    page.on('pageerror', (e) => consoleErrors.push(String(e)))
    await page.goto(`${backend.url}/?token=${backend.token}`)
    await page.locator(tid('chat-input')).waitFor()
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('a citation opens the PDF at the cited page with the passage marked on it', async () => {
    const answer = await ask('At what pressure does the relief valve open?')
    await answer.locator(tid('citation')).first().click()
    const viewer = page.locator(tid('doc-viewer'))
    await viewer.waitFor()
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.page, tid('doc-viewer'), {
      timeout: 30_000,
    })
    assert.equal(await viewer.getAttribute('data-page'), '2')
    assert.ok(await viewer.locator('canvas').count(), 'the page is drawn')
    const text = await highlighted()
    assert.match(text.replace(/\s+/g, ' '), /relief valve opens at 6 bar/)
    const inLayer = await page.locator(`.textLayer ${tid('doc-viewer-highlight')}`).count()
    assert.ok(inLayer >= 1, 'the mark sits on the drawn page (text layer)')
    // pdf.js ran under the app's CSP: its worker from the app, no eval, nothing refused.
    assert.deepEqual(consoleErrors, [])
  })

  test('page navigation moves the viewer to the next page', async () => {
    await page.getByRole('button', { name: 'Next page' }).click()
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.page === '3', tid('doc-viewer'))
  })

  test('a Markdown source opens at its section, the passage marked and in view', async () => {
    const answer = await ask('What time slice does round robin give each thread?')
    const chip = answer.locator(tid('source-item')).filter({ hasText: 'Scheduling' })
    assert.ok(await chip.count(), 'the chip names the section, not the file')
    await chip.first().click()
    const viewer = page.locator(`${tid('doc-viewer')}[data-format="markdown"]`)
    await viewer.waitFor()
    assert.match(await highlighted(), /Round robin gives every runnable thread/)
    assert.equal(await viewer.locator('h2.cited-heading').innerText(), 'Scheduling')
    const mark = page.locator(tid('doc-viewer-highlight')).first()
    const box = await mark.boundingBox()
    const panel = await page.locator('.panel-body').boundingBox()
    assert.ok(box && panel && box.y >= panel.y && box.y + box.height <= panel.y + panel.height, 'scrolled into view')
    assert.equal(await viewer.getAttribute('data-page'), null, 'no page number outside a PDF')
  })

  test('New chat closes the source panel and says what it searches', async () => {
    assert.ok(await page.locator(tid('source-panel')).count())
    await page.locator(tid('session-new')).click()
    await page.locator(tid('source-panel')).waitFor({ state: 'detached' })
    assert.match(await page.locator(tid('chat-searching')).innerText(), /all knowledge bases/i)
  })

  test('keyboard: "/" focuses the question, Esc closes the panel, Ctrl+/ lists the shortcuts', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } })
    await page.keyboard.press('/')
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'chat-input')
    const answer = await ask('At what pressure does the relief valve open?')
    await answer.locator(tid('citation')).first().click()
    await page.locator(tid('source-panel')).waitFor()
    await page.locator('body').click({ position: { x: 5, y: 300 } })
    await page.keyboard.press('Escape')
    await page.locator(tid('source-panel')).waitFor({ state: 'detached' })
    await page.keyboard.press('Control+/')
    await page.locator(tid('shortcuts-help')).waitFor({ state: 'visible' })
    assert.match(await page.locator(tid('shortcuts-help')).innerText(), /New chat/)
    await page.keyboard.press('Escape')
    await page.locator(tid('shortcuts-help')).waitFor({ state: 'hidden' })
    await page.keyboard.press('Control+Shift+O')
    await page.locator(tid('message-user')).first().waitFor({ state: 'detached' })
  })

  test('a document row opens the document in the viewer', async () => {
    await page.locator(tid('kb-item')).first().click()
    const row = page.locator(tid('doc-row')).filter({ hasText: 'pump-manual.pdf' })
    await row.locator(tid('doc-open')).click()
    const viewer = page.locator(`${tid('doc-viewer')}[data-format="pdf"]`)
    await viewer.waitFor()
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.page === '1', tid('doc-viewer'))
    const link = page.locator(tid('doc-open-original'))
    assert.match(await link.getAttribute('href'), /\/api\/kbs\/[^/]+\/documents\/[^/]+\/file$/)
    await page.keyboard.press('Escape')
  })

  test('no model: Regenerate is not offered, the timings sit in the details', async () => {
    const answer = await ask('Where should the pump be stored?')
    assert.equal(await answer.locator(tid('message-regenerate')).count(), 0)
    await answer.locator(tid('message-details')).click()
    assert.match(await page.locator(tid('message-details-body')).innerText(), /Retrieval[\s\S]*ms/)
  })
})
