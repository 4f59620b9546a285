import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { useShortcuts, type ShortcutActions } from './useShortcuts'

let wrapper: VueWrapper | null = null

function setup(dismissed = true) {
  const actions: ShortcutActions = {
    newChat: vi.fn(),
    focusQuestion: vi.fn(),
    dismiss: vi.fn(() => dismissed),
  }
  let help = { value: false }
  wrapper = mount(
    defineComponent({
      setup() {
        help = useShortcuts(actions).helpOpen
        return () => h('textarea')
      },
    }),
    { attachTo: document.body },
  )
  return { actions, help: () => help.value }
}

const press = (key: string, init: KeyboardEventInit = {}, target: EventTarget = window): KeyboardEvent => {
  const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init })
  target.dispatchEvent(e)
  return e
}

afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

describe('keyboard shortcuts', () => {
  it('Ctrl+Shift+O starts a new chat, also while typing in the question box', () => {
    const { actions } = setup()
    const e = press('O', { ctrlKey: true, shiftKey: true }, document.querySelector('textarea')!)
    expect(actions.newChat).toHaveBeenCalledOnce()
    expect(e.defaultPrevented).toBe(true)
  })

  it('"/" focuses the question outside a field, and stays a character inside one', () => {
    const { actions } = setup()
    press('/')
    expect(actions.focusQuestion).toHaveBeenCalledOnce()
    const e = press('/', {}, document.querySelector('textarea')!)
    expect(actions.focusQuestion).toHaveBeenCalledOnce()
    expect(e.defaultPrevented).toBe(false)
  })

  it('Esc closes the help first, then stops or closes through dismiss', () => {
    const { actions, help } = setup()
    press('/', { ctrlKey: true })
    expect(help()).toBe(true)
    press('Escape')
    expect(help()).toBe(false)
    expect(actions.dismiss).not.toHaveBeenCalled()
    press('Escape')
    expect(actions.dismiss).toHaveBeenCalledOnce()
  })

  it('Esc with nothing to end is left to the page', () => {
    setup(false)
    expect(press('Escape').defaultPrevented).toBe(false)
  })

  it('a key typed while an input method composes is never a shortcut', () => {
    const { actions } = setup()
    press('/', { isComposing: true })
    expect(actions.focusQuestion).not.toHaveBeenCalled()
  })
})
