// The web UI as the desktop window shows it, in Chromium with a stand-in for pywebview's
// `window.pywebview.api` (arriving late, then `pywebviewready`) and for the window's drop
// listener (`wowrag:native-drop` with the paths). The stand-in's import_paths imports through
// the real backend from Node, as the Python bridge does, so documents appear via /api/events.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dropFiles, openApp, tid } from './harness.mjs'

let backend
let browser
let page
const pageUploads = []

const FAKE_DESKTOP = () => {
  window.__desktopCalls = []
  const record = (name, args, answer) => {
    window.__desktopCalls.push([name, ...args])
    return Promise.resolve(answer)
  }
  const api = {
    info: () => record('info', [], { desktop: true, data_dir: '/fake/data', platform: 'linux', extensions: ['.md'] }),
    choose_files: () => record('choose_files', [], ['/picked/chosen-notes.md']),
    choose_folder: () => record('choose_folder', [], null),
    import_paths: (kbId, paths) => {
      window.__desktopCalls.push(['import_paths', kbId, paths])
      return window.__nodeImport(kbId, paths)
    },
    open_data_dir: () => record('open_data_dir', [], true),
    open_external: (url) => record('open_external', [url], true),
    dropped_paths: (names) => Promise.resolve(names.map((n) => `/dropped/${n}`)),
  }
  // As backend/desktop/window.py's guard: the window, not the page, resolves dropped paths.
  window.addEventListener(
    'drop',
    (event) => {
      event.preventDefault()
      const names = Array.from(event.dataTransfer?.files ?? []).map((f) => f.name)
      if (!names.length || !window.pywebview) return
      window.pywebview.api.dropped_paths(names).then((paths) => {
        window.dispatchEvent(new CustomEvent('wowrag:native-drop', { detail: { paths } }))
      })
    },
    true,
  )
  setTimeout(() => {
    window.pywebview = { api }
    window.dispatchEvent(new CustomEvent('pywebviewready'))
  }, 300)
}

describe('wow-rag web UI in the desktop window', () => {
  before(async () => {
    ;({ backend, browser, page } = await openApp())
    // What the Python bridge does with paths: import them (here: made-up files, uploaded from
    // Node with the token, which the page never sends itself).
    await page.exposeFunction('__nodeImport', async (kbId, paths) => {
      const documents = []
      let skipped = 0
      for (const path of paths) {
        const name = path.split('/').pop()
        if (!name.endsWith('.md')) {
          skipped++
          continue
        }
        const form = new FormData()
        form.append('files', new Blob([`# ${name}\n\nThe lighthouse keeper logs the tide at dawn.\n`]), name)
        const res = await fetch(`${backend.url}/api/kbs/${kbId}/documents`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${backend.token}` },
          body: form,
        })
        documents.push(...(await res.json()))
      }
      return { documents, skipped, skipped_folders: 0, failed: [], truncated: false }
    })
    await page.addInitScript(FAKE_DESKTOP)
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/api\/kbs\/[^/]+\/documents/.test(r.url())) pageUploads.push(r.url())
    })
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('a drop imports by path, not by upload, and the documents arrive', async () => {
    const kb = await backend.api('POST', '/api/kbs', { name: 'Lighthouse' })
    assert.equal(kb.status, 201)
    await page.goto(`${backend.url}/?token=${backend.token}`)
    await page.locator(tid('kb-item')).filter({ hasText: 'Lighthouse' }).click()
    await page.locator(`${tid('upload-drop')}[data-mode="desktop"]`).waitFor()
    await dropFiles(page, tid('upload-drop'), [
      { name: 'tides.md', content: 'ignored: the bridge reads the file itself' },
      { name: 'photo.jpg', content: 'x' },
    ])
    await page.getByText('Importing 1 file').waitFor()
    await page.getByText('1 file skipped (unsupported type, hidden or unreadable)').waitFor()
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(sel)].some((r) => r.textContent.includes('tides.md') && r.dataset.status === 'ready'),
      tid('doc-row'),
      { timeout: 60_000 },
    )
    const calls = await page.evaluate(() => window.__desktopCalls)
    assert.deepEqual(
      calls.filter((c) => c[0] === 'import_paths'),
      [['import_paths', kb.body.id, ['/dropped/tides.md', '/dropped/photo.jpg']]],
    )
    await new Promise((r) => setTimeout(r, 1200)) // past the upload fallback's second
    assert.deepEqual(pageUploads, [], 'the page uploaded no bytes')
  })

  test('Choose files uses the native dialog and imports the chosen paths', async () => {
    await page.locator(tid('choose-files')).click()
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(sel)].some((r) => r.textContent.includes('chosen-notes.md')),
      tid('doc-row'),
    )
    assert.equal(await page.locator(tid('upload-input')).count(), 0)
    // A cancelled folder dialog imports nothing.
    await page.locator(tid('choose-folder')).click()
    const calls = await page.evaluate(() => window.__desktopCalls.map((c) => c[0]))
    assert.deepEqual(calls.filter((c) => c === 'import_paths').length, 2)
    assert.ok(calls.includes('choose_folder'))
    assert.deepEqual(pageUploads, [])
  })

  test('settings show the data folder with an Open folder button', async () => {
    await page.locator(tid('settings-open')).click()
    const dir = page.locator(tid('settings-data-dir'))
    await dir.waitFor()
    // The bridge's folder shows until /api/info answers; then the server's own must show.
    await page
      .waitForFunction(
        ([selector, want]) => document.querySelector(selector)?.textContent?.trim() === want,
        [tid('settings-data-dir'), backend.dataDir],
        { timeout: 10_000 },
      )
      .catch(() => {})
    assert.equal(await dir.innerText(), backend.dataDir)
    await page.locator(tid('settings-open-data-dir')).click()
    await page.waitForFunction(() => window.__desktopCalls.some((c) => c[0] === 'open_data_dir'))
  })
})
