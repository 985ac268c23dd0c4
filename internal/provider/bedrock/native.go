package bedrock

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

var _ provider.Messager = (*Client)(nil)

// anthropicVersion is the anthropic_version Bedrock requires in a Claude
// InvokeModel body (Bedrock's documented value; the caller's
// anthropic-version header names Anthropic's own API versions).
const anthropicVersion = "bedrock-2023-05-31"

// NativeMessages reports whether model is a Claude model, which InvokeModel
// serves with Anthropic's Messages body: a base model id
// (anthropic.claude-...), a cross-region inference profile
// (us.anthropic.claude-..., global.anthropic.claude-...) or an ARN ending
// in either. An application inference profile ARN does not name its model
// and is served by translation through Converse instead.
func (c *Client) NativeMessages(model string) bool { return isClaude(model) }

func isClaude(model string) bool {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	if strings.HasPrefix(model, "anthropic.claude-") {
		return true
	}
	geo, rest, ok := strings.Cut(model, ".")
	return ok && geo != "" && !strings.ContainsAny(geo, ":") && strings.HasPrefix(rest, "anthropic.claude-")
}

// baseModel is the foundation model id of a cross-region inference
// profile, given by id or ARN (us.anthropic.claude-x -> anthropic.claude-x);
// other ids are returned as they are. CountTokens refuses profiles, and a
// profile counts with its model's tokenizer.
func baseModel(model string) string {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		if !strings.Contains(model[:i], ":inference-profile") {
			return model
		}
		model = model[i+1:]
	}
	if geo, rest, ok := strings.Cut(model, "."); ok && geo != "anthropic" && strings.HasPrefix(rest, "anthropic.claude-") {
		return rest
	}
	return model
}

// Messages sends a Messages request as an InvokeModel call and relays the
// Anthropic message Bedrock answers with as received.
func (c *Client) Messages(ctx context.Context, call *provider.NativeCall) (*provider.NativeResponse, error) {
	body, perr := claudeBody(call, true)
	if perr != nil {
		return nil, perr
	}
	out, err := c.api.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(call.Model), Body: body,
		ContentType: aws.String("application/json"), Accept: aws.String("application/json"),
	})
	if err != nil {
		return nil, classify(ctx, err)
	}
	rid, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	var m claudeMessage
	if err := json.Unmarshal(out.Body, &m); err != nil || m.Type != "message" {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: http.StatusOK, RequestID: rid,
			Message: "bedrock: InvokeModel answered with something other than an Anthropic message"}
	}
	u := m.Usage.chat()
	if m.Usage == nil {
		// Every Claude answer carries usage; should one not, Bedrock's
		// token-count headers still price it.
		u = headerUsage(out.ResultMetadata)
	}
	return &provider.NativeResponse{Body: out.Body, Usage: u, Model: m.Model, StopReason: m.StopReason, UpstreamRequestID: rid}, nil
}

// MessagesStream opens InvokeModelWithResponseStream. Errors before the
// event stream starts come back here; later ones through the stream's Err.
func (c *Client) MessagesStream(ctx context.Context, call *provider.NativeCall) (provider.EventStream, error) {
	body, perr := claudeBody(call, true)
	if perr != nil {
		return nil, perr
	}
	out, err := c.api.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(call.Model), Body: body,
		ContentType: aws.String("application/json"), Accept: aws.String("application/json"),
	})
	if err != nil {
		return nil, classify(ctx, err)
	}
	rid, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	return newMessagesStream(ctx, out.GetStream(), rid), nil
}

// CountTokens counts a Messages request's input with Bedrock's CountTokens
// operation, given the InvokeModel body the request would send. Bedrock
// counts for base model ids only, so an inference profile is counted
// with its foundation model (same tokenizer).
func (c *Client) CountTokens(ctx context.Context, call *provider.NativeCall) (int, error) {
	body, perr := claudeBody(call, false)
	if perr != nil {
		return 0, perr
	}
	out, err := c.api.CountTokens(ctx, &bedrockruntime.CountTokensInput{
		ModelId: aws.String(baseModel(call.Model)),
		Input:   &types.CountTokensInputMemberInvokeModel{Value: types.InvokeModelTokensRequest{Body: body}},
	})
	if err != nil {
		return 0, countError(classify(ctx, err))
	}
	if out.InputTokens == nil || *out.InputTokens < 0 {
		rid, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		return 0, &provider.Error{Class: provider.ClassBadResponse, Status: http.StatusOK, RequestID: rid,
			Message: "bedrock: CountTokens answered without inputTokens"}
	}
	return int(*out.InputTokens), nil
}

// countError turns the two refusals that say nothing about the target's
// health for inference into unsupported, so the loop tries the next target
// without marking this one unhealthy or relaying a 400 another target
// could have avoided: a role without bedrock:CountTokens (the permission
// is separate from InvokeModel's), and a model Bedrock cannot count for.
func countError(e *provider.Error) *provider.Error {
	switch {
	case e.Code == "AccessDeniedException":
		e.Class = provider.ClassUnsupported
		e.Message = "bedrock: counting tokens needs bedrock:CountTokens on the model: " + e.Message
	case e.Code == "ValidationException" && strings.Contains(strings.ToLower(e.Message), "counting tokens"):
		e.Class = provider.ClassUnsupported
	}
	return e
}

// claudeBody is the InvokeModel body of a Messages call: the caller's body
// with "model" and "stream" removed (Bedrock refuses them as extraneous
// keys; the model is in the path, streaming is the operation),
// anthropic_version set to Bedrock's, and the caller's anthropic-beta
// header values added to an "anthropic_beta" array, which is how Bedrock
// takes beta features. A count has no max_tokens, which InvokeModel bodies
// require: it gets 1, which does not change the input count.
func claudeBody(call *provider.NativeCall, send bool) ([]byte, *provider.Error) {
	if !isClaude(call.Model) {
		return nil, &provider.Error{Class: provider.ClassUnsupported, Status: http.StatusBadRequest,
			Message: "bedrock: model " + call.Model + " does not take Anthropic Messages requests; only Claude models do"}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(call.Body, &obj); err != nil || obj == nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest,
			Message: "request body must be a JSON object"}
	}
	delete(obj, "model")
	delete(obj, "stream")
	obj["anthropic_version"] = json.RawMessage(strconv.Quote(anthropicVersion))
	if betas, err := mergeBetas(obj["anthropic_beta"], call.Header); err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest,
			Param: "anthropic_beta", Message: "anthropic_beta must be an array of strings"}
	} else if betas != nil {
		obj["anthropic_beta"] = betas
	} else {
		delete(obj, "anthropic_beta") // a null one
	}
	if _, ok := obj["max_tokens"]; !ok && !send {
		obj["max_tokens"] = json.RawMessage("1")
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest, Message: "encode request: " + err.Error()}
	}
	return b, nil
}

// bedrockBetas are the anthropic-beta values Bedrock's Claude models take
// (the Bedrock user guide's Anthropic Claude Messages API page). Bedrock
// refuses a whole request that names any other ("invalid beta flag"), and
// Anthropic's own clients send first-party ones: Claude Code sends
// claude-code-20250219, oauth-…, prompt-caching-scope-…, fast-mode-…. So
// header betas outside this list are dropped rather than forwarded; a
// caller who writes anthropic_beta in the body (Bedrock's own field) gets
// exactly what it wrote.
var bedrockBetas = map[string]bool{
	"computer-use-2024-10-22":          true,
	"computer-use-2025-01-24":          true,
	"token-efficient-tools-2025-02-19": true,
	"interleaved-thinking-2025-05-14":  true,
	"output-128k-2025-02-19":           true,
	"dev-full-thinking-2025-05-14":     true,
	"context-1m-2025-08-07":            true,
	"context-management-2025-06-27":    true,
	"effort-2025-11-24":                true,
	"tool-search-tool-2025-10-19":      true,
	"tool-examples-2025-10-29":         true,
}

// mergeBetas is the body's anthropic_beta array (if any) followed by the
// anthropic-beta header values Bedrock takes (bedrockBetas) not already in
// it (the header may repeat and each value may list several,
// comma-separated); nil when neither has any.
func mergeBetas(inBody json.RawMessage, h http.Header) (json.RawMessage, error) {
	var betas []string
	if len(inBody) > 0 && string(inBody) != "null" {
		if err := json.Unmarshal(inBody, &betas); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, b := range betas {
		seen[b] = true
	}
	for _, v := range h.Values("anthropic-beta") {
		for _, b := range strings.Split(v, ",") {
			if b = strings.TrimSpace(b); b != "" && !seen[b] && bedrockBetas[b] {
				seen[b] = true
				betas = append(betas, b)
			}
		}
	}
	if betas == nil {
		return nil, nil
	}
	return json.Marshal(betas)
}

// claudeMessage is the part of an Anthropic message the gateway reads.
type claudeMessage struct {
	Type       string       `json:"type"`
	Model      string       `json:"model"`
	StopReason string       `json:"stop_reason"`
	Usage      *claudeUsage `json:"usage"`
}

// claudeUsage is Anthropic's usage; input_tokens excludes cache reads and
// writes, which are reported apart.
type claudeUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
}

// chat is the usage as the gateway counts it: prompt tokens include cache
// reads and writes (as OpenAI's do), broken out so each is priced at its
// rate. Nil for a nil usage.
func (u *claudeUsage) chat() *chat.Usage {
	if u == nil {
		return nil
	}
	prompt := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	return &chat.Usage{
		PromptTokens: prompt, CompletionTokens: u.OutputTokens, TotalTokens: prompt + u.OutputTokens,
		PromptTokensDetails: &chat.PromptTokensDetails{CachedTokens: u.CacheReadInputTokens, CacheWriteTokens: u.CacheCreationInputTokens},
	}
}

// headerUsage reads Bedrock's X-Amzn-Bedrock-Input-Token-Count and
// -Output-Token-Count response headers; nil when absent.
func headerUsage(md middleware.Metadata) *chat.Usage {
	in, okIn := headerInt(md, "X-Amzn-Bedrock-Input-Token-Count")
	out, okOut := headerInt(md, "X-Amzn-Bedrock-Output-Token-Count")
	if !okIn && !okOut {
		return nil
	}
	return &chat.Usage{PromptTokens: in, CompletionTokens: out, TotalTokens: in + out}
}

// headerInt reads a non-negative integer response header.
func headerInt(md middleware.Metadata, name string) (int, bool) {
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok || raw == nil {
		return 0, false
	}
	n, err := strconv.Atoi(raw.Header.Get(name))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
