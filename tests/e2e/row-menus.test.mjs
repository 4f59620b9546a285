// The "more" menu of the knowledge-base and conversation rows: shown on hover, renames
// through the real API, and offers export: a .wowkb package of a knowledge base, Markdown
// of a conversation.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
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
})
