import type { MessageStatus, Source, Timings } from './api'

/** One bubble of the conversation as the UI holds it. */
export interface ChatMessage {
  id: string
  role: 'user' | 'assistant'
  content: string
  sources: Source[]
  status: MessageStatus
  error?: string
  timings?: Timings
  createdAt: string
}
