// Shared pieces of the browser end-to-end tests: the real backend (launcher.py --headless),
// a scripted slow OpenAI-compatible upstream, and Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const require = createRequire(join(repoRoot, 'web', 'package.json'))
const { chromium } = require('playwright-core')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Starts the backend on a free port, with a fresh data dir unless `dataDir` is given (a
 * restart); resolves once server.json exists. `env` adds environment variables.
 */
export async function startBackend({ dataDir = mkdtempSync(join(tmpdir(), 'wowrag-e2e-')), env = {} } = {}) {
  const token = randomBytes(16).toString('hex')
  const python = existsSync(join(repoRoot, '.venv', 'bin', 'python'))
    ? join(repoRoot, '.venv', 'bin', 'python')
    : 'python3'
  const proc = spawn(
    python,
    ['launcher.py', '--headless', '--port', '0', '--data-dir', dataDir, '--token', token],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1', ...env } },
  )
  let log = ''
  proc.stdout.on('data', (d) => (log += d))
  proc.stderr.on('data', (d) => (log += d))
  const exited = new Promise((r) => proc.on('exit', r))
  const serverJson = join(dataDir, 'server.json')
  const deadline = Date.now() + 90_000
  while (!ownServerJson(serverJson, proc.pid)) {
    if (proc.exitCode !== null) throw new Error(`backend exited early:\n${log}`)
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`backend not ready in 90 s:\n${log}`)
    }
    await sleep(200)
  }
  let info
  for (;;) {
    try {
      info = JSON.parse(readFileSync(serverJson, 'utf8'))
      break
    } catch {
      await sleep(100) // written but not yet complete
    }
  }
  const api = async (method, path, body) => {
    const res = await fetch(info.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
  return {
    url: info.url,
    token,
    dataDir,
    api,
    log: () => log,
    /** Stops the server; `keepData` leaves the data dir for a restart. */
    async stop({ keepData = false } = {}) {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM')
        await Promise.race([exited, sleep(8000)])
        if (proc.exitCode === null) proc.kill('SIGKILL')
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * A scripted OpenAI-compatible server that streams "tok " slowly and records when the
 * client (the backend) goes away before the answer is complete.
 */
export async function startSlowUpstream({ tokens = 400, intervalMs = 60 } = {}) {
  const state = { requests: 0, disconnects: [], completed: 0 }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      if (req.url.endsWith('/models')) {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'slow', object: 'model' }] }))
        return
      }
      if (!req.url.endsWith('/chat/completions')) {
        res.writeHead(404).end()
        return
      }
      state.requests++
      let stream = true
      try {
        stream = JSON.parse(body).stream !== false
      } catch {
        /* keep streaming */
      }
      const chunk = (delta, finish = null) =>
        JSON.stringify({
          id: 'cmpl-slow',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'slow',
          choices: [{ index: 0, delta, finish_reason: finish }],
        })
      if (!stream) {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(
          JSON.stringify({
            id: 'cmpl-slow',
            object: 'chat.completion',
            model: 'slow',
            choices: [{ index: 0, message: { role: 'assistant', content: 'tok tok' }, finish_reason: 'stop' }],
          }),
        )
        return
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
      res.write(`data: ${chunk({ role: 'assistant', content: '' })}\n\n`)
      let sent = 0
      let finished = false
      const timer = setInterval(() => {
        if (sent >= tokens) {
          clearInterval(timer)
          finished = true
          state.completed++
          res.write(`data: ${chunk({}, 'stop')}\n\ndata: [DONE]\n\n`)
          res.end()
          return
        }
        sent++
        res.write(`data: ${chunk({ content: 'tok ' })}\n\n`)
      }, intervalMs)
      res.on('close', () => {
        clearInterval(timer)
        if (!finished) state.disconnects.push({ at: Date.now(), sent })
      })
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    state,
    stop: () => new Promise((r) => server.close(r)),
  }
}

/** server.json written by this process (a restart must not read its predecessor's). */
function ownServerJson(path, pid) {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).pid === pid
  } catch {
    return false
  }
}

/**
 * A scripted Ollama-like model server on loopback: `/api/tags` lists `models` (as Ollama
 * does), `/v1/models` is unknown (404, like an older Ollama), `/v1/chat/completions` answers.
 */
export async function startOllamaLike({ models = ['qwen2.5:7b'] } = {}) {
  const state = { tags: 0, chats: 0 }
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url === '/api/tags') {
        state.tags++
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ models: models.map((name) => ({ name, model: name })) }))
      } else if (req.url === '/v1/chat/completions') {
        state.chats++
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            model: models[0],
            choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, finish_reason: 'stop' }],
          }),
        )
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ error: 'not found' }))
      }
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  return { port, baseUrl: `http://127.0.0.1:${port}/v1`, state, stop: () => new Promise((r) => server.close(r)) }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** The backend and a browser page the size of the desktop window, in English. */
export async function openApp() {
  const backend = await startBackend()
  try {
    const browser = await launchBrowser()
    const context = await browser.newContext({ viewport: { width: 1320, height: 820 }, locale: 'en-US' })
    return { backend, browser, page: await context.newPage() }
  } catch (error) {
    await backend.stop()
    throw error
  }
}

/** Drops files onto an element the way a person's drag-and-drop does (a real DataTransfer). */
export async function dropFiles(page, selector, files) {
  await page.evaluate(
    async ({ selector, files }) => {
      const target = document.querySelector(selector)
      if (!target) throw new Error(`no ${selector}`)
      const dt = new DataTransfer()
      for (const f of files) dt.items.add(new File([f.content], f.name, { type: f.type || 'text/plain' }))
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }))
      }
    },
    { selector, files },
  )
}

export const tid = (id) => `[data-testid="${id}"]`
export { sleep }
