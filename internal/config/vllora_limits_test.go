package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestInlineLimitsCountVLLoraShapes: the bounds on an inline router are
// checked on its raw JSON, so vLLora's shapes, rewritten only when
// decoded, must be measured too: targets in routing.routes, in $any pools
// and under nested router objects, and $regex patterns in conditions.
func TestInlineLimitsCountVLLoraShapes(t *testing.T) {
	models := func(n int) string {
		list := make([]string, n)
		for i := range list {
			list[i] = fmt.Sprintf(`"p/m%d"`, i)
		}
		return strings.Join(list, ",")
	}
	tests := []struct {
		name, raw, path string
	}{
		{"routing.routes with a $any pool", `{"type": "conditional", "routing": {"routes": [{"name": "r", "conditions": {}, "targets": {"$any": [` + models(65) + `]}}]}}`,
			"router.targets"},
		{"nested router objects", `{"type": "fallback", "targets": [{"model": "router/x", "router": {"type": "fallback", "targets": [` + models(64) + `]}}]}`,
			"router.targets"},
		{"$regex in conditions", `{"type": "conditional", "routes": [{"name": "r", "conditions": {"metadata.a": {"$regex": "[a-z]{900}"}, "metadata.b": {"$regex": "[a-z]{900}"}, "metadata.c": {"$regex": "[a-z]{900}"}}, "targets": ["p/a"]}]}`,
			"router.routes[0].conditions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeInlineRouter(json.RawMessage(tt.raw), "router", InlineLimits{})
			es, ok := err.(Errors)
			if !ok || len(es) == 0 || es[0].Path != tt.path {
				t.Errorf("error %v, want one at %s", err, tt.path)
			}
		})
	}
	// Within the bounds, the same shapes decode.
	ok := `{"type": "conditional", "routing": {"routes": [{"name": "r", "conditions": {}, "targets": {"$any": [` + models(63) + `]}}]}}`
	if _, size, err := DecodeInlineRouter(json.RawMessage(ok), "router", InlineLimits{}); err != nil || size.Targets != 63 {
		t.Errorf("63 pooled targets: size %+v, error %v", size, err)
	}
}
