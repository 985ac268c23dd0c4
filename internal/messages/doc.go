// Package messages is Anthropic's Messages API as a surface of the
// gateway (POST /v1/messages and /v1/messages/count_tokens): its wire
// types, the decoding that refuses what the real API refuses, and the
// translation to and from chat for targets that do not speak Messages
// natively (OpenAI, Gemini, OpenAI-compatible, Bedrock's non-Claude
// models): a request to a chat.Request, a chat.Response to a Message, and
// a stream of chat chunks to Anthropic's exact event sequence.
//
// A native target (provider.Messager) gets the caller's own bytes with
// the model replaced (NativeBody), so nothing chat lacks is lost there.
package messages
