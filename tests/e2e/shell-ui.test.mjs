// The app's shell in Chromium against the real backend: sign-in across restarts (a reload
// lands signed in or on the signed-out screen, never on an empty knowledge-base list), the
// model set-up against a scripted Ollama-like server on loopback, a GGUF file dropped on
// the window, and the layout at 1400x900, 900x700 and 800x600 with nothing overlapping.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { launchBrowser, startBackend, startOllamaLike, tid } from './harness.mjs'

const SHOTS = resolve(process.env.WOWRAG_SCREENSHOTS || join(tmpdir(), 'wowrag-shell-shots'))
const KB = 'Course notes 课程笔记'

let backend
let ollama
let browser
let page
let env

async function restart({ forgetSignIn = false } = {}) {
  const { dataDir, url } = backend
  await backend.stop({ keepData: true })
  if (forgetSignIn) rmSync(join(dataDir, 'signin.key'))
  backend = await startBackend({ dataDir, env })
  return url
}

/** After a reload: which screen the page settled on, waiting for one of the two. */
async function landing() {
  await page.reload()
  const signedIn = page.locator(tid('kb-item')).filter({ hasText: KB })
  const signedOut = page.locator(tid('signed-out'))
  await signedIn.or(signedOut).first().waitFor()
  return (await signedOut.count()) ? 'signed-out' : 'signed-in'
}

async function box(selector) {
  const found = await page.locator(selector).first().boundingBox()
  assert.ok(found, `${selector} is on screen`)
  return found
}

const apart = (a, b) => a.x + a.width <= b.x + 0.5 || b.x + b.width <= a.x + 0.5

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

describe('wow-rag shell', () => {
  before(async () => {
    ollama = await startOllamaLike()
    env = { WOWRAG_DISCOVER_PORTS: JSON.stringify({ ollama: ollama.port }) }
    backend = await startBackend({ env })
    browser = await launchBrowser()
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' })
    page = await context.newPage()
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
    await ollama?.stop()
  })

  test('the bare address shows the signed-out screen, not an empty list', async () => {
    assert.equal((await backend.api('POST', '/api/kbs', { name: KB })).status, 201)
    await page.goto(`${backend.url}/`)
    await page.locator(tid('signed-out')).waitFor()
    assert.equal(await page.locator(tid('kb-create')).count(), 0, 'no "create one" on a refused sign-in')
    assert.match(await page.locator(tid('signed-out')).innerText(), /\?token=/)
    assert.equal(await page.locator('.el-message--error').count(), 0, 'no error toast over it')
    await shot('signed-out')
  })

  test('a restart of the same data dir keeps the page signed in, at the same address', async () => {
    await page.goto(`${backend.url}/?token=${backend.token}`)
    await page.locator(tid('kb-item')).filter({ hasText: KB }).waitFor()
    const before = await restart()
    assert.equal(backend.url, before, 'the restarted app answers where the tab is')
    assert.equal(await landing(), 'signed-in')
  })

  test('a restart that forgot the sign-in lands on the signed-out screen; the link gets back in', async () => {
    await restart({ forgetSignIn: true })
    assert.equal(await landing(), 'signed-out')
    assert.equal(await page.locator(tid('kb-item')).count(), 0)
    await page.goto(`${backend.url}/?token=${backend.token}`)
    await page.locator(tid('kb-item')).filter({ hasText: KB }).waitFor()
  })

  test('set up a model: the Ollama-like server on loopback is found and used in one click', async () => {
    await page.locator(tid('model-setup')).click()
    const server = page.locator(tid('local-server')).filter({ hasText: 'Ollama' })
    await server.waitFor()
    assert.match(await server.innerText(), new RegExp(`127\\.0\\.0\\.1:${ollama.port}/v1`))
    assert.ok(ollama.state.tags >= 1, 'discovery asked the server for its models')
    await page.waitForTimeout(400) // the dialog's fade-in
    await shot('model-setup')
    await server.locator(tid('local-server-use')).click()
    await page.locator(tid('settings-provider')).waitFor({ state: 'hidden' })
    const { body } = await backend.api('GET', '/api/settings')
    assert.equal(body.llm.provider, 'openai_compatible')
    assert.equal(body.llm.base_url, ollama.baseUrl)
    assert.equal(body.llm.model, 'qwen2.5:7b')
    await page.locator(tid('no-model')).waitFor({ state: 'detached' })
  })

  test('a preset fills its real address; a test without an address says what to do', async () => {
    await page.locator(tid('settings-open')).click()
    const url = page.locator(tid('settings-base-url'))
    await url.waitFor()
    await url.fill('')
    await page.locator(tid('settings-test')).click()
    // The line may still show the previous test's result until this one's arrives.
    const status = page.locator('.test-line [role="status"]', { hasText: /Enter the server address first/ })
    await status.waitFor({ timeout: 10_000 })
    assert.doesNotMatch(await status.innerText(), /not a valid http/)
    assert.equal(await url.inputValue(), '')
    assert.doesNotMatch(await url.getAttribute('placeholder'), /^https?:/, 'the hint does not look like a value')
    await page.locator(tid('settings-preset')).click()
    await page.locator('.el-select-dropdown__item').filter({ hasText: 'LM Studio' }).click()
    const presets = (await backend.api('GET', '/api/llm/presets')).body
    assert.equal(await url.inputValue(), presets.find((p) => p.id === 'lmstudio').base_url)
    await page.locator('.el-dialog').getByRole('button', { name: 'Cancel' }).click()
    await page.locator(tid('settings-provider')).waitFor({ state: 'hidden' })
  })

  test('a GGUF file dropped on the window is offered as the model', async () => {
    await page.evaluate(() => {
      const dt = new DataTransfer()
      dt.items.add(new File(['GGUF', new Uint8Array(64)], 'tiny-model.gguf'))
      for (const type of ['dragenter', 'dragover', 'drop']) {
        document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }))
      }
    })
    const ask = page.locator('.el-message-box').filter({ hasText: 'tiny-model.gguf' })
    await ask.waitFor()
    await ask.getByRole('button', { name: 'Use it' }).click()
    await page.locator('.el-message--success').filter({ hasText: 'tiny-model.gguf' }).waitFor()
    const { body } = await backend.api('GET', '/api/settings')
    assert.equal(body.llm.provider, 'llama_cpp')
    assert.ok(body.llm.model_path.startsWith(backend.dataDir), body.llm.model_path)
    assert.ok(body.llm.model_path.endsWith('tiny-model.gguf'))
    await backend.api('PUT', '/api/settings', { llm: { provider: 'extractive' } })
  })

  for (const [width, height] of [
    [1400, 900],
    [900, 700],
    [800, 600],
  ]) {
    test(`at ${width}x${height} the sidebar, chat and side panel do not overlap`, async () => {
      await page.setViewportSize({ width, height })
      await page.reload()
      await page.locator(tid('sidebar')).waitFor()
      // A narrow window starts with the sidebar folded: unfold it to pick the knowledge base
      // (opening its panel folds the sidebar again).
      if (width < 1100) await page.locator(tid('sidebar-toggle')).click()
      await page.locator(tid('kb-item')).filter({ hasText: KB }).click()
      await page.locator('.side-panel').waitFor()
      await page.waitForTimeout(400) // the panel's slide-in
      await shot(`layout-${width}x${height}`)
      const sidebar = await box(tid('sidebar'))
      const chat = await box('.app-main')
      const panel = await box('.side-panel')
      assert.ok(apart(sidebar, chat), 'sidebar and chat side by side')
      assert.ok(apart(sidebar, panel), 'the panel never covers the sidebar')
      const readable = Math.min(chat.x + chat.width, panel.x) - chat.x
      assert.ok(readable >= 320, `chat keeps ${readable} px beside the panel`)
      const input = await box(tid('chat-input'))
      assert.ok(input.x >= chat.x && input.x + input.width <= chat.x + chat.width, 'the question box fits')
      assert.ok(input.y + input.height <= height, 'the question box is on screen')
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px)`)
      if (width >= 1100) {
        assert.ok(apart(chat, panel), 'a wide window shows three columns')
        assert.ok(sidebar.width > 200, 'the full sidebar')
      } else {
        assert.ok(sidebar.width < 80, 'a narrow window folds the sidebar to a rail')
        await page.locator(tid('sidebar-toggle')).click()
        await page.locator('.side-panel').waitFor({ state: 'detached' })
        await shot(`layout-${width}x${height}-sidebar`)
        const opened = await box(tid('sidebar'))
        const main = await box('.app-main')
        assert.ok(opened.width > 200 && apart(opened, main), 'the sidebar unfolds beside the chat')
        assert.ok(main.width >= 500, `the chat keeps ${main.width} px: the panel made room`)
      }
    })
  }
})
