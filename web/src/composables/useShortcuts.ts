/**
 * The chat's keyboard shortcuts, on the whole window while the chat view is mounted:
 * Mod+Shift+O new chat, "/" the question box, Esc stops an answer or closes a panel,
 * Mod+/ (or "?") lists them. Mod is Cmd on macOS and Ctrl elsewhere. Keys typed into a
 * field stay the field's, except the ones with Mod and Esc.
 */
import { onBeforeUnmount, onMounted, ref } from 'vue'

export interface ShortcutActions {
  newChat: () => void
  focusQuestion: () => void
  /** Stops a running answer or closes the open panel; false when there was nothing to end. */
  dismiss: () => boolean
}

export interface Shortcut {
  keys: string[]
  action: 'newChat' | 'focus' | 'stop' | 'help'
}

export const isMac = (): boolean =>
  typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)

export function shortcutList(mac = isMac()): Shortcut[] {
  const mod = mac ? '⌘' : 'Ctrl'
  return [
    { keys: [mod, 'Shift', 'O'], action: 'newChat' },
    { keys: ['/'], action: 'focus' },
    { keys: ['Esc'], action: 'stop' },
    { keys: [mod, '/'], action: 'help' },
  ]
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el || !el.tagName) return false
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
}

export function useShortcuts(actions: ShortcutActions) {
  const helpOpen = ref(false)
  const mac = isMac()

  function onKeydown(e: KeyboardEvent): void {
    if (e.isComposing || e.defaultPrevented) return
    // A dialog or menu of Element Plus answers its own Esc.
    if ((e.target as HTMLElement | null)?.closest?.('.el-overlay, .el-popper')) return
    const mod = mac ? e.metaKey : e.ctrlKey
    const key = e.key.toLowerCase()
    let handled = true
    if (mod && e.shiftKey && key === 'o') actions.newChat()
    else if (mod && key === '/') helpOpen.value = !helpOpen.value
    else if (key === 'escape') {
      if (helpOpen.value) helpOpen.value = false
      else handled = actions.dismiss()
    } else if (!mod && !e.altKey && !typing(e.target) && key === '/') actions.focusQuestion()
    else if (!mod && !e.altKey && !typing(e.target) && key === '?') helpOpen.value = true
    else handled = false
    if (handled) e.preventDefault()
  }

  onMounted(() => window.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown))
  return { helpOpen, shortcuts: shortcutList(mac) }
}
