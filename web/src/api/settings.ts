import type {
  AppSettings,
  DiscoveredServer,
  LlmPreset,
  LlmProvider,
  LlmTestResult,
  ServerInfo,
} from '@/types/api'
import { getJson, getOptional, sendJson } from './http'

export const getSettings = () => getJson<AppSettings>('/api/settings')
export const putSettings = (patch: Partial<{ llm: object; retrieval: object }>) =>
  sendJson<AppSettings>('PUT', '/api/settings', patch)

export const getInfo = () => getOptional<ServerInfo>('/api/info')
export const getPresets = () => getOptional<LlmPreset[]>('/api/llm/presets')
export const discoverServers = () => getOptional<DiscoveredServer[]>('/api/llm/discover')

export interface LlmProbe {
  provider: LlmProvider
  base_url?: string
  model?: string
  api_key?: string
  model_path?: string
}

export const listModels = (probe: LlmProbe) =>
  sendJson<{ models: string[] }>('POST', '/api/llm/models', probe)
export const testLlm = (probe: LlmProbe) => sendJson<LlmTestResult>('POST', '/api/llm/test', probe)
