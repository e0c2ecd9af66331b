/**
 * @module models/chat
 * The OpenAI chat-completions format; it lives in models/formats/openai-chat.ts, beside the other provider formats.
 * This path is kept for the engine and its callers.
 */
export * from './formats/openai-chat.ts';
