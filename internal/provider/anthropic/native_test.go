package anthropic

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

const nativeBody = `{"model":"alias","max_tokens":64,"system":[{"type":"text","text":"S","cache_control":{"type":"ephemeral","ttl":"1h"}}],` +
	`"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc"}},{"type":"text","text":"<q>"}]}]}`

// TestNativeMessages: the caller's body goes upstream with only the model
// replaced; the caller's anthropic-beta is joined to a configured one,
// and a configured anthropic-version wins over the caller's.
func TestNativeMessages(t *testing.T) {
	f := newFakeAPI(t)
	f.Script("claude-sonnet-4-5", anthropicfake.Reply{File: "responses/cached.json"})
	c := newTestClient(t, f, func(p *config.Provider) { p.Headers = map[string]string{"anthropic-beta": "ops-beta"} })
	hdr := http.Header{"Anthropic-Beta": {"caller-beta"}, "Anthropic-Version": {"2023-06-01"}}
	resp, err := c.Messages(context.Background(), &provider.NativeCall{Model: "claude-sonnet-4-5", Body: []byte(nativeBody), Header: hdr})
	if err != nil {
		t.Fatal(err)
	}
	got := f.Requests()[0]
	if got.Header.Get("anthropic-beta") != "ops-beta,caller-beta" {
		t.Errorf("anthropic-beta %q", got.Header.Get("anthropic-beta"))
	}
	if !strings.Contains(string(got.Raw), `"<q>"`) || !strings.Contains(string(got.Raw), `"ttl":"1h"`) || got.Model != "claude-sonnet-4-5" {
		t.Errorf("upstream body %s", got.Raw)
	}
	u := resp.Usage
	if u.PromptTokens != 21+188086+2048 || u.PromptTokensDetails.CachedTokens != 2048 || u.PromptTokensDetails.CacheWriteTokens != 188086 || u.CompletionTokens != 393 {
		t.Errorf("usage %+v %+v", u, u.PromptTokensDetails)
	}
	if resp.StopReason != "max_tokens" || !strings.Contains(string(resp.Body), "tradition and change") {
		t.Errorf("answer %+v", resp)
	}
}

// TestNativeStream: events are relayed as received, the stream ends at
// message_stop; an error event, or an end without message_stop, is Err.
func TestNativeStream(t *testing.T) {
	tests := []struct {
		reply  anthropicfake.Reply
		events int
		class  provider.Class
	}{
		{anthropicfake.Reply{}, 8, ""},
		{anthropicfake.ErrorMidStream(), 3, provider.ClassServer},
		{anthropicfake.CutAfter(3), 3, provider.ClassNetwork},
	}
	for _, tc := range tests {
		f := newFakeAPI(t)
		f.Script("m", tc.reply)
		c := newTestClient(t, f, nil)
		body := `{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}`
		s, err := c.MessagesStream(context.Background(), &provider.NativeCall{Model: "m", Body: []byte(body), Stream: true})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for s.Next() {
			types = append(types, s.Event().Type)
		}
		s.Close()
		if len(types) != tc.events || types[0] != "message_start" {
			t.Errorf("%+v: events %v", tc.reply, types)
		}
		var pe *provider.Error
		switch {
		case tc.class == "" && s.Err() != nil:
			t.Errorf("clean stream ended with %v", s.Err())
		case tc.class != "" && (!errors.As(s.Err(), &pe) || pe.Class != tc.class):
			t.Errorf("%+v: err %v, want class %s", tc.reply, s.Err(), tc.class)
		}
	}
}

// TestNativeCountTokens: count_tokens goes to its own endpoint, and an
// upstream error is a *provider.Error.
func TestNativeCountTokens(t *testing.T) {
	f := newFakeAPI(t)
	f.Script("m", anthropicfake.Reply{}, anthropicfake.Overloaded())
	c := newTestClient(t, f, nil)
	call := &provider.NativeCall{Model: "m", Body: []byte(`{"model":"x","messages":[{"role":"user","content":"hi"}]}`)}
	n, err := c.CountTokens(context.Background(), call)
	if err != nil || n != 2095 {
		t.Fatalf("count %d, %v", n, err)
	}
	_, err = c.CountTokens(context.Background(), call)
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Status != 529 || pe.Class != provider.ClassServer {
		t.Errorf("err %v", err)
	}
}

// TestNativeVersionPinned: a configured api_version wins over the caller's
// anthropic-version (the account may need it); without one, the caller's
// is sent.
func TestNativeVersionPinned(t *testing.T) {
	for _, tc := range []struct {
		pinned, caller, want string
	}{
		{"2099-01-01", "2023-06-01", "2099-01-01"},
		{"", "2099-01-01", "2099-01-01"},
	} {
		f := newFakeAPI(t)
		f.SetVersion(tc.want)
		f.Script("m", anthropicfake.Reply{})
		c := newTestClient(t, f, func(p *config.Provider) { p.APIVersion = tc.pinned })
		hdr := http.Header{"Anthropic-Version": {tc.caller}}
		if _, err := c.Messages(context.Background(), &provider.NativeCall{Model: "m", Body: []byte(nativeBody), Header: hdr}); err != nil {
			t.Errorf("pinned %q, caller %q: %v", tc.pinned, tc.caller, err)
			continue
		}
		if got := f.Requests()[0].Header.Get("anthropic-version"); got != tc.want {
			t.Errorf("pinned %q, caller %q: sent %q, want %q", tc.pinned, tc.caller, got, tc.want)
		}
	}
}
