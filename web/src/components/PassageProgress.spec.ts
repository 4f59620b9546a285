/** The second pass's line: counts and time left while it works, nothing once it is done. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import PassageProgress from './PassageProgress.vue'
import { i18n } from '@/i18n'

function serve(passage_vectors: object): void {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ passage_vectors }), { status: 200 })))
}

const mountLine = () => mount(PassageProgress, { global: { plugins: [i18n] } })

describe('PassageProgress', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('shows done/total and the minutes left while the pass runs', async () => {
    serve({ state: 'running', done: 120, total: 800, eta_s: 170 })
    const line = mountLine()
    await flushPromises()
    expect(line.get('[data-testid="passage-progress"]').text()).toBe(
      'Improving search: 120/800, about 3 min left',
    )
    line.unmount()
  })

  it('says the pass is paused while an import runs', async () => {
    serve({ state: 'paused', done: 5, total: 9, eta_s: null })
    const line = mountLine()
    await flushPromises()
    expect(line.text()).toContain('paused while importing')
    line.unmount()
  })

  it('shows nothing when every chunk has its vector or there are no weights', async () => {
    for (const state of [
      { state: 'done', done: 9, total: 9, eta_s: 0 },
      { state: 'no_weights', done: 0, total: 0, eta_s: null },
    ]) {
      serve(state)
      const line = mountLine()
      await flushPromises()
      expect(line.find('[data-testid="passage-progress"]').exists()).toBe(false)
      line.unmount()
    }
  })
})
