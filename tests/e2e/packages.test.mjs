// A knowledge base goes out as a .wowkb package from its row menu (a real download) and
// comes back in through "Import a package": listed under a new name, with its documents.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { openApp, tid } from './harness.mjs'

let backend
let browser
let page

describe('knowledge-base packages', () => {
  before(async () => {
    ;({ backend, browser, page } = await openApp())
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('export from the row menu, import through the header button', async () => {
    await backend.api('POST', '/api/kbs', { name: 'Handbook' })
    await page.goto(`${backend.url}/?token=${backend.token}`)

    const row = page.locator(tid('kb-item'), { hasText: 'Handbook' })
    await row.hover()
    await row.getByRole('button', { name: 'More' }).click()
    const item = page.locator('.el-dropdown-menu__item:visible', { hasText: 'Export as package' })
    const [download] = await Promise.all([page.waitForEvent('download'), item.click()])
    assert.equal(download.suggestedFilename(), 'Handbook.wowkb')
    const file = await download.path()

    await page.locator(`${tid('kb-import')} + input[type="file"]`).setInputFiles(file)
    await page.locator(tid('kb-item'), { hasText: 'Handbook (2)' }).waitFor()
    const names = (await backend.api('GET', '/api/kbs')).body.map((k) => k.name)
    assert.deepEqual(names.sort(), ['Handbook', 'Handbook (2)'])
  })
})
