/**
 * @module models/formats
 * Sira turns ↔ provider formats: OpenAI chat messages, OpenAI Responses input items, Anthropic Messages content
 * blocks. Each module maps both ways (`toX(turns)`, `fromX(items)`); what a format cannot carry goes as text.
 * `readX(json)` reads provider JSON that nothing has checked (a stored item, a log line) into those types.
 */
export * from './media.ts';
export { fromOpenAiChat, toOpenAiChat, type ChatContentPart, type ChatMessage, type ChatToolCall, type RenderOptions } from './openai-chat.ts';
export * from './read.ts';
export * from './openai-responses.ts';
export * from './anthropic.ts';
