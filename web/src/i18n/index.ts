/** vue-i18n setup: 中文 when the system language is Chinese, English otherwise; switchable. */
import { createI18n } from 'vue-i18n'
import en, { type Messages } from './en'
import zhCN from './zh-CN'

export type AppLocale = 'zh-CN' | 'en'
const STORAGE_KEY = 'wowrag.locale'

export function detectLocale(): AppLocale {
  const saved = localStorage.getItem(STORAGE_KEY)
  if (saved === 'zh-CN' || saved === 'en') return saved
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language]
  return langs[0]?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: 'en',
  messages: { 'zh-CN': zhCN, en } satisfies Record<AppLocale, Messages>,
})

export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}
