/** Toasts and confirms, with Element Plus's styles loaded (they are not auto-imported). */
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import { ApiError } from '@/api/http'
import { i18n } from '@/i18n'
import { describeError, isAbort } from './errors'

export function notifyError(e: unknown): void {
  // A refused sign-in has its own screen (App.vue); a toast over it would only repeat it.
  if (isAbort(e) || (e instanceof ApiError && e.status === 401)) return
  ElMessage({ type: 'error', message: describeError(e), grouping: true, showClose: true })
}

export function notifySuccess(message: string): void {
  ElMessage({ type: 'success', message, grouping: true })
}

export function notifyInfo(message: string): void {
  ElMessage({ type: 'info', message, grouping: true })
}

/** A message of any kind; warnings and errors stay a little longer and can be closed. */
export function notify(type: 'success' | 'info' | 'warning' | 'error', message: string): void {
  const lasting = type === 'warning' || type === 'error'
  ElMessage({ type, message, grouping: true, showClose: lasting, duration: lasting ? 6000 : 3000 })
}

/** Asks before something destructive (a delete, unless `action` names it); true on confirm. */
export async function confirmDanger(title: string, message: string, action?: string): Promise<boolean> {
  const t = i18n.global.t
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: action ?? t('common.delete'),
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: 'el-button--danger',
      autofocus: false,
    })
    return true
  } catch {
    return false
  }
}

/** Asks for a new name; answers null on cancel. */
export async function promptName(title: string, current: string): Promise<string | null> {
  const t = i18n.global.t
  try {
    const res = await ElMessageBox.prompt('', title, {
      inputValue: current,
      confirmButtonText: t('common.save'),
      cancelButtonText: t('common.cancel'),
      inputValidator: (v: string) => (v.trim().length >= 1 && v.trim().length <= 100) || t('kb.nameRequired'),
    })
    return (res as { value: string }).value.trim()
  } catch {
    return null
  }
}
