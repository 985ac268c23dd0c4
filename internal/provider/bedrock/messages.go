package bedrock

import (
	"encoding/base64"
	"fmt"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider/oairules"
)

// conversation is the Converse view of an OpenAI message list.
type conversation struct {
	system   []types.SystemContentBlock
	messages []types.Message
	// hasToolBlocks is true when the history carries toolUse or toolResult
	// blocks: Bedrock then requires a toolConfig on the request.
	hasToolBlocks bool
}

// convertMessages turns OpenAI messages into Converse system blocks and
// messages. System and developer messages become system blocks wherever
// they appear (Converse has no mid-conversation system role); tool results
// become user messages; consecutive messages of one role are merged because
// Converse requires user and assistant turns to alternate.
func convertMessages(msgs []chat.Message) (*conversation, error) {
	conv := &conversation{}
	for i, m := range msgs {
		at := fmt.Sprintf("messages[%d]", i)
		switch m.Role {
		case "system", "developer":
			text, err := textOnly(m.Content, at)
			if err != nil {
				return nil, err
			}
			if text != "" {
				conv.system = append(conv.system, &types.SystemContentBlockMemberText{Value: text})
			}
		case "user":
			blocks, err := userBlocks(m.Content, at)
			if err != nil {
				return nil, err
			}
			conv.add(types.ConversationRoleUser, blocks)
		case "assistant":
			blocks, err := assistantBlocks(m, at)
			if err != nil {
				return nil, err
			}
			conv.hasToolBlocks = conv.hasToolBlocks || len(m.ToolCalls) > 0
			conv.add(types.ConversationRoleAssistant, blocks)
		case "tool":
			block, err := toolResultBlock(m, at)
			if err != nil {
				return nil, err
			}
			conv.hasToolBlocks = true
			conv.add(types.ConversationRoleUser, []types.ContentBlock{block})
		case "function":
			return nil, invalid(at+".role", "%s", oairules.LegacyFunctionRole)
		default:
			return nil, invalid(at+".role", "role %q is not supported (use system, developer, user, assistant or tool)", m.Role)
		}
	}
	return conv, nil
}

// add appends blocks as a turn of role, merging into the previous turn when
// it has the same role. Empty turns are skipped: Bedrock rejects messages
// without content, and an empty assistant turn carries nothing anyway.
func (c *conversation) add(role types.ConversationRole, blocks []types.ContentBlock) {
	if len(blocks) == 0 {
		return
	}
	if n := len(c.messages); n > 0 && c.messages[n-1].Role == role {
		c.messages[n-1].Content = append(c.messages[n-1].Content, blocks...)
		return
	}
	c.messages = append(c.messages, types.Message{Role: role, Content: blocks})
}

// textOnly returns the text of content that may hold only text parts.
func textOnly(c chat.Content, at string) (string, error) {
	for j, p := range c.Parts {
		if p.Type != "text" {
			return "", invalid(fmt.Sprintf("%s.content[%d]", at, j), "content part type %q is not allowed in this message", p.Type)
		}
	}
	return c.String(), nil
}

// userBlocks converts user content: text and images. Empty text parts are
// dropped because Bedrock rejects blank text blocks.
func userBlocks(c chat.Content, at string) ([]types.ContentBlock, error) {
	if !c.IsParts {
		return textBlock(c.Text), nil
	}
	var blocks []types.ContentBlock
	for j, p := range c.Parts {
		pat := fmt.Sprintf("%s.content[%d]", at, j)
		switch p.Type {
		case "text":
			blocks = append(blocks, textBlock(p.Text)...)
		case "image_url":
			if p.ImageURL == nil {
				return nil, invalid(pat+".image_url", "image_url part without image_url")
			}
			img, err := imageBlock(p.ImageURL.URL, pat+".image_url.url")
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, img)
		default:
			return nil, invalid(pat+".type", "content part type %q is not supported by Bedrock Converse (text and image_url are)", p.Type)
		}
	}
	return blocks, nil
}

// assistantBlocks converts an assistant turn: its text, then its tool calls
// as toolUse blocks (Converse orders them the same way in its own output).
func assistantBlocks(m chat.Message, at string) ([]types.ContentBlock, error) {
	text, err := textOnly(m.Content, at)
	if err != nil {
		return nil, err
	}
	blocks := textBlock(text)
	for j, tc := range m.ToolCalls {
		tat := fmt.Sprintf("%s.tool_calls[%d]", at, j)
		if tc.Type != "" && tc.Type != "function" {
			return nil, invalid(tat+".type", "tool call type %q is not supported (only function)", tc.Type)
		}
		if tc.ID == "" || tc.Function.Name == "" {
			return nil, invalid(tat, "tool call needs an id and a function name")
		}
		args := tc.Function.Arguments
		if strings.TrimSpace(args) == "" {
			args = "{}" // OpenAI clients send "" for calls of parameterless functions
		}
		input, err := jsonObject([]byte(args))
		if err != nil {
			return nil, invalid(tat+".function.arguments", "arguments must be a JSON object: %v", err)
		}
		blocks = append(blocks, &types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
			ToolUseId: aws.String(tc.ID),
			Name:      aws.String(tc.Function.Name),
			Input:     input,
		}})
	}
	return blocks, nil
}

// toolResultBlock converts a tool message. Content that is a JSON object is
// sent as a json block so the model sees structure; anything else (plain
// text, arrays, scalars) as text, because several Converse models accept
// only objects in json blocks.
func toolResultBlock(m chat.Message, at string) (types.ContentBlock, error) {
	if m.ToolCallID == "" {
		return nil, invalid(at+".tool_call_id", "tool message needs tool_call_id")
	}
	text, err := textOnly(m.Content, at)
	if err != nil {
		return nil, err
	}
	content := []types.ToolResultContentBlock{}
	if doc, err := jsonObject([]byte(text)); err == nil {
		content = append(content, &types.ToolResultContentBlockMemberJson{Value: doc})
	} else if text != "" {
		content = append(content, &types.ToolResultContentBlockMemberText{Value: text})
	}
	return &types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
		ToolUseId: aws.String(m.ToolCallID),
		Content:   content,
	}}, nil
}

func textBlock(s string) []types.ContentBlock {
	if s == "" {
		return nil
	}
	return []types.ContentBlock{&types.ContentBlockMemberText{Value: s}}
}

// imageFormats maps media types and file extensions to Converse formats.
var imageFormats = map[string]types.ImageFormat{
	"image/png": types.ImageFormatPng, "image/jpeg": types.ImageFormatJpeg, "image/jpg": types.ImageFormatJpeg,
	"image/gif": types.ImageFormatGif, "image/webp": types.ImageFormatWebp,
	".png": types.ImageFormatPng, ".jpeg": types.ImageFormatJpeg, ".jpg": types.ImageFormatJpeg,
	".gif": types.ImageFormatGif, ".webp": types.ImageFormatWebp,
}

// imageBlock converts an image URL. Converse takes image bytes or an S3
// location, never a web URL, and the gateway does not fetch URLs for the
// caller (that would make it an open proxy and hide latency in the attempt).
func imageBlock(u, at string) (types.ContentBlock, error) {
	lower := strings.ToLower(u)
	switch {
	case strings.HasPrefix(lower, "data:"):
		return dataImage(u, at)
	case strings.HasPrefix(lower, "s3://"):
		format, ok := imageFormats[strings.ToLower(path.Ext(u))]
		if !ok {
			return nil, invalid(at, "s3 image %q: the key must end in .png, .jpg, .jpeg, .gif or .webp", u)
		}
		return &types.ContentBlockMemberImage{Value: types.ImageBlock{
			Format: format,
			Source: &types.ImageSourceMemberS3Location{Value: types.S3Location{Uri: aws.String(u)}},
		}}, nil
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		return nil, invalid(at, "image URLs are not supported: Bedrock Converse does not fetch images; send the image inline as a base64 data: URL (data:image/png;base64,...)")
	default:
		return nil, invalid(at, "image URL must be a base64 data: URL")
	}
}

// dataImage decodes data:image/<type>;base64,<bytes>.
func dataImage(u, at string) (types.ContentBlock, error) {
	meta, payload, ok := strings.Cut(u[len("data:"):], ",")
	if !ok {
		return nil, invalid(at, "malformed data: URL")
	}
	params := strings.Split(strings.ToLower(meta), ";")
	format, known := imageFormats[strings.TrimSpace(params[0])]
	if !known {
		return nil, invalid(at, "image type %q is not supported (png, jpeg, gif or webp)", params[0])
	}
	if params[len(params)-1] != "base64" {
		return nil, invalid(at, "data: URL must be base64-encoded")
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		// Some clients strip the padding.
		if data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "=")); err != nil {
			return nil, invalid(at, "data: URL is not valid base64")
		}
	}
	return &types.ContentBlockMemberImage{Value: types.ImageBlock{
		Format: format,
		Source: &types.ImageSourceMemberBytes{Value: data},
	}}, nil
}
