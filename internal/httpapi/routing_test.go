package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

const routingConfig = `
  ab:
    strategy: percentage
    sticky: user
    targets: [{model: up/m1, weight: 70, name: control}, {model: up/m2, weight: 30, name: treatment}]
  tiered:
    strategy: conditional
    routes:
      - name: premium
        when: {metadata.tier: {$eq: premium}}
        targets: [{model: up/m2}]
      - name: team
        when: {headers.x-team: {$in: [ml, search]}}
        targets: [{model: up/m3}]
  nearest:
    strategy: geo
    targets: [{model: up/m1, region: us-east-1}, {model: up/m2, region: eu-west-1}, {model: up/m3, region: ap-northeast-1}]
`

func TestPercentageStickyArm(t *testing.T) {
	h := newHarness(t, routingConfig)
	arms := map[string]string{}
	for i := 0; i < 3; i++ {
		for _, user := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
			body := chatBody("router/ab", false)
			body["user"] = user
			resp, raw := h.post("/v1/chat/completions", body)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, raw)
			}
			arm := resp.Header.Get("x-switchyard-arm")
			if arm != "control" && arm != "treatment" {
				t.Fatalf("x-switchyard-arm %q", arm)
			}
			if prev, ok := arms[user]; ok && prev != arm {
				t.Errorf("%s moved from %s to %s", user, prev, arm)
			}
			arms[user] = arm
		}
	}
}

func TestConditionalRoutes(t *testing.T) {
	h := newHarness(t, routingConfig)
	premium := chatBody("router/tiered", false)
	premium["metadata"] = map[string]any{"tier": "premium"}
	resp, _ := h.post("/v1/chat/completions", premium)
	if resp.Header.Get("x-switchyard-target") != "up/m2" || resp.Header.Get("x-switchyard-arm") != "premium" {
		t.Errorf("premium: %v", resp.Header)
	}
	resp, _ = h.post("/v1/chat/completions", chatBody("router/tiered", false), "X-Team", "search")
	if resp.Header.Get("x-switchyard-target") != "up/m3" {
		t.Errorf("header route: %v", resp.Header)
	}
	resp, raw := h.post("/v1/chat/completions", chatBody("router/tiered", false))
	if resp.StatusCode != 400 {
		t.Fatalf("no match and no default: %d %s", resp.StatusCode, raw)
	}
	e := decodeError(t, raw)
	if e.Error.Code != "no_route" || !strings.Contains(e.Error.Message, "premium") || !strings.Contains(e.Error.Message, "team") {
		t.Errorf("the 400 should name the routes tried: %s", raw)
	}
}

func TestGeoFromCloudFrontHeaders(t *testing.T) {
	h := newHarness(t, routingConfig+"server: {trust_geo_headers: true, region: us-east-1}\n")
	tests := []struct {
		headers []string
		want    string
	}{
		{[]string{"CloudFront-Viewer-Country", "DE"}, "up/m2"},
		{[]string{"CloudFront-Viewer-Latitude", "35.6", "CloudFront-Viewer-Longitude", "139.7"}, "up/m3"},
		{nil, "up/m1"}, // no headers: the gateway's own region
	}
	for _, tt := range tests {
		resp, raw := h.post("/v1/chat/completions", chatBody("router/nearest", false), tt.headers...)
		if resp.Header.Get("x-switchyard-target") != tt.want {
			t.Errorf("headers %v: target %q, want %q (%s)", tt.headers, resp.Header.Get("x-switchyard-target"), tt.want, raw)
		}
	}
	// Untrusted: the same headers are ignored.
	u := newHarness(t, routingConfig+"server: {region: us-east-1}\n")
	resp, _ := u.post("/v1/chat/completions", chatBody("router/nearest", false), "CloudFront-Viewer-Country", "JP")
	if resp.Header.Get("x-switchyard-target") != "up/m1" {
		t.Errorf("untrusted geo headers were used: %q", resp.Header.Get("x-switchyard-target"))
	}
}

func TestInlineRouters(t *testing.T) {
	h := newHarness(t, "")
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantTarget string
		wantRouter string
		check      func(t *testing.T, up map[string]any)
	}{
		{name: "router object", wantStatus: 200, wantTarget: "up/m2", wantRouter: "inline",
			body: `{"model":"ignored","messages":[{"role":"user","content":"hi"}],
			        "router":{"strategy":"fallback","targets":[{"model":"up/m2","params":{"temperature":0.7}}]}}`,
			check: func(t *testing.T, up map[string]any) {
				if up["temperature"] != 0.7 || up["router"] != nil {
					t.Errorf("upstream body %v", up)
				}
			}},
		{name: "extra.router with vLLora spelling", wantStatus: 200, wantTarget: "up/m3", wantRouter: "inline",
			body: `{"model":"router/fb","messages":[{"role":"user","content":"hi"}],
			        "extra":{"router":{"type":"percentage","targets":[{"model":"up/m3","max_tokens":64}],"targets_percentages":[100]}}}`,
			check: func(t *testing.T, up map[string]any) {
				if up["max_tokens"] != 64.0 || up["extra"] != nil {
					t.Errorf("flat target params not applied or extra leaked: %v", up)
				}
			}},
		{name: "inline router nesting a named router", wantStatus: 200, wantTarget: "up/m1", wantRouter: "inline",
			body: `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":{"strategy":"fallback","targets":[{"router":"fb"}]}}`},
		{name: "unknown provider is refused (no caller-supplied upstreams)", wantStatus: 400,
			body: `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":{"strategy":"fallback","targets":[{"model":"evil/gpt","base_url":"http://169.254.169.254"}]}}`},
		{name: "base_url in an inline target is refused", wantStatus: 400,
			body: `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":{"strategy":"fallback","targets":[{"model":"up/m1","base_url":"http://169.254.169.254/latest"}]}}`},
		{name: "api_key in an inline target is refused", wantStatus: 400,
			body: `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":{"strategy":"fallback","targets":[{"model":"up/m1","api_key":"sk-stolen"}]}}`},
		{name: "api_key in a vLLora flat target is refused", wantStatus: 400,
			body: `{"model":"x","messages":[{"role":"user","content":"hi"}],"extra":{"router":{"type":"fallback","targets":[{"model":"up/m1","api_key":"sk-stolen"}]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.fake.Requests())
			resp, raw := h.post("/v1/chat/completions", tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			if tt.wantStatus != 200 {
				if len(h.fake.Requests()) != before {
					t.Error("a refused inline router reached the upstream")
				}
				return
			}
			if resp.Header.Get("x-switchyard-target") != tt.wantTarget || resp.Header.Get("x-switchyard-router") != tt.wantRouter {
				t.Errorf("target %q router %q", resp.Header.Get("x-switchyard-target"), resp.Header.Get("x-switchyard-router"))
			}
			if tt.check != nil {
				reqs := h.fake.Requests()
				tt.check(t, reqs[len(reqs)-1])
			}
		})
	}
}

func TestInlineRouterDeniedForKey(t *testing.T) {
	yml := `
providers:
  m: {type: mock}
routers:
  a: {strategy: fallback, targets: [{model: m/x}]}
keys:
  - {name: locked, sha256: "` + sha("sk-locked") + `", allow_inline: false}
`
	handler := buildHandler(t, yml)
	body := `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":{"strategy":"fallback","targets":[{"model":"m/x"}]}}`
	resp, raw := serve(handler, body, "sk-locked")
	if resp != 403 {
		t.Fatalf("status %d: %s", resp, raw)
	}
	var e errorEnvelope
	_ = json.Unmarshal(raw, &e)
	if e.Error.Code != "inline_router_denied" {
		t.Errorf("code %q", e.Error.Code)
	}
}

// TestInlineRouterKeepsTheKeysAllowList: a key allowed inline routing but
// only some routers cannot reach another router by naming it as a target
// of an inline router, at any depth.
func TestInlineRouterKeepsTheKeysAllowList(t *testing.T) {
	yml := `
providers:
  m: {type: mock}
routers:
  cheap: {strategy: fallback, targets: [{model: m/cheap}]}
  secret: {strategy: fallback, targets: [{model: m/pricey}]}
keys:
  - {name: limited, sha256: "` + sha("sk-limited") + `", routers: [inline, cheap]}
`
	handler := buildHandler(t, yml)
	cases := []struct {
		name, router string
		want         int
	}{
		{"allowed router", `{"strategy":"fallback","targets":[{"router":"cheap"}]}`, 200},
		{"models only", `{"strategy":"fallback","targets":[{"model":"m/x"}]}`, 200},
		{"forbidden router", `{"strategy":"fallback","targets":[{"router":"secret"}]}`, 403},
		{"forbidden router, nested inline", `{"strategy":"fallback","targets":[{"model":"m/x"},{"strategy":"fallback","targets":[{"router":"secret"}]}]}`, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":` + c.router + `}`
			status, raw := serve(handler, body, "sk-limited")
			if status != c.want {
				t.Fatalf("status %d, want %d: %s", status, c.want, raw)
			}
			if c.want == 403 {
				var e errorEnvelope
				_ = json.Unmarshal(raw, &e)
				if e.Error.Code != "router_not_allowed" || !strings.Contains(e.Error.Message, `"secret"`) {
					t.Errorf("error %+v", e.Error)
				}
			}
		})
	}
}
