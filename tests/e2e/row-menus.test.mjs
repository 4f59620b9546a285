// The "more" menu of the knowledge-base, conversation and document rows: shown on hover,
// renames through the real API, offers export (a .wowkb package of a knowledge base,
// Markdown of a conversation), and deleting a linked folder's document says what the sync
// will do with its file.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openApp, tid } from './harness.mjs'

let backend
let browser
let page

async function renameThrough(row, name) {
  await row.hover()
  const more = row.getByRole('button', { name: 'More' })
  assert.ok(await more.isVisible(), 'the menu button shows on hover')
  await more.click()
  const rename = page.locator('.el-dropdown-menu__item:visible', { hasText: 'Rename' })
  await rename.waitFor()
  const items = await page.locator('.el-dropdown-menu__item:visible').allInnerTexts()
  await rename.click()
  const input = page.locator('.el-message-box input')
  await input.fill(name)
  await page.locator('.el-message-box').getByRole('button', { name: 'Save' }).click()
  await page.locator('.el-message-box').waitFor({ state: 'hidden' })
  return items.map((i) => i.trim())
}

describe('row menus', () => {
  before(async () => {
    ;({ backend, browser, page } = await openApp())
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('rename a knowledge base and a conversation from their menus', async () => {
    const kb = (await backend.api('POST', '/api/kbs', { name: 'Handbook' })).body
    const asked = (await backend.api('POST', '/api/chat', { question: 'First chat' })).body
    await page.goto(`${backend.url}/?token=${backend.token}`)

    const kbRow = page.locator(tid('kb-item'), { hasText: 'Handbook' })
    const kbItems = await renameThrough(kbRow, 'Staff handbook')
    assert.deepEqual(kbItems, ['Rename', 'Export as package (.wowkb)', 'Delete'])
    await page.locator(tid('kb-item'), { hasText: 'Staff handbook' }).waitFor()
    assert.equal((await backend.api('GET', `/api/kbs/${kb.id}`)).body.name, 'Staff handbook')

    const sessionRow = page.locator(tid('session-item'), { hasText: 'First chat' })
    assert.equal(await sessionRow.getByRole('button', { name: 'More' }).isVisible(), false)
    const sessionItems = await renameThrough(sessionRow, 'Renamed chat')
    assert.deepEqual(sessionItems, ['Rename', 'Export as Markdown', 'Delete'])
    await page.locator(tid('session-item'), { hasText: 'Renamed chat' }).waitFor()
    assert.equal((await backend.api('GET', `/api/sessions/${asked.session_id}`)).body.title, 'Renamed chat')
  })
  test("deleting a linked folder's document says its file stays out of the sync", async () => {
    const kb = (await backend.api('POST', '/api/kbs', { name: 'Folder notes' })).body
    const folder = mkdtempSync(join(tmpdir(), 'wowrag-e2e-folder-'))
    writeFileSync(join(folder, 'tides.md'), '# Tides\n\nThe keeper logs the tide at dawn.')
    assert.equal((await backend.api('POST', `/api/kbs/${kb.id}/folders`, { path: folder })).status, 201)
    await page.goto(`${backend.url}/?token=${backend.token}`)
    await page.locator(tid('kb-item'), { hasText: 'Folder notes' }).click()
    const row = page.locator(`${tid('doc-row')}[data-status="ready"]`, { hasText: 'tides.md' })
    await row.waitFor({ timeout: 60_000 })
    await row.hover()
    await row.locator(tid('doc-menu')).click()
    await page.locator(`${tid('doc-delete')}:visible`).click()
    const ask = page.locator('.el-message-box')
    assert.match(await ask.innerText(), /stays in its linked folder/)
    await ask.getByRole('button', { name: 'Delete' }).click()
    await row.waitFor({ state: 'detached' })
    // A new file wakes the folder's sync; the deleted one does not come back with it.
    writeFileSync(join(folder, 'ferry.md'), '# Ferry\n\nThe ferry leaves at seven.')
    await page.locator(`${tid('doc-row')}[data-status="ready"]`, { hasText: 'ferry.md' }).waitFor({ timeout: 60_000 })
    const docs = (await backend.api('GET', `/api/kbs/${kb.id}/documents`)).body
    assert.deepEqual(docs.map((d) => d.filename), ['ferry.md'])
  })
})
