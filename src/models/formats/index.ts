/**
 * @module models/formats
 * Sira turns ↔ provider formats: OpenAI chat messages, OpenAI Responses input items, Anthropic Messages content
 * blocks. Each module maps both ways (`toX(turns)`, `fromX(items)`); what a format cannot carry goes as text.
 */
export * from './media.ts';
export { fromOpenAiChat, toOpenAiChat, type ChatContentPart, type ChatMessage, type ChatToolCall } from './openai-chat.ts';
export * from './openai-responses.ts';
export * from './anthropic.ts';
