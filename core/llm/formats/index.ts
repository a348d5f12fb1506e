/** Wire format → renderer, and the model each reports when neither the request nor the route names one. */
import type { LlmWireFormat } from '../../config/index.js';
import type { RendererFactory } from '../wire.js';
import { aiSdk } from './ai-sdk.js';
import { anthropic } from './anthropic.js';
import { gemini } from './gemini.js';
import { openaiChat } from './openai-chat.js';
import { openaiResponses } from './openai-responses.js';

export const RENDERERS: Record<LlmWireFormat, RendererFactory> = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  anthropic,
  gemini,
  'ai-sdk': aiSdk,
};

export const DEFAULT_MODELS: Record<LlmWireFormat, string> = {
  'openai-chat': 'gpt-4o-mini',
  'openai-responses': 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
  'ai-sdk': 'sluice-mock',
};
