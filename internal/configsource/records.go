package configsource

import (
	"fmt"
	"sort"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// sections maps config document sections to record kinds.
var sections = []struct {
	section string
	kind    string
	list    bool // a list of named maps (budgets, keys) rather than a map
}{
	{"providers", store.KindProvider, false},
	{"models", store.KindModel, false},
	{"routers", store.KindRouter, false},
	{"budgets", store.KindBudget, true},
	{"keys", store.KindKey, true},
	{"admin_keys", store.KindAdminKey, true},
}

// ToRecords splits a config document into one record per router,
// provider, budget, key and model override; server settings are one
// record named "server".
func ToRecords(doc map[string]any) ([]store.Record, error) {
	var out []store.Record
	for _, s := range sections {
		v, ok := doc[s.section]
		if !ok || v == nil {
			continue
		}
		if s.list {
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: must be a list", s.section)
			}
			for i, item := range list {
				m, ok := item.(map[string]any)
				name, _ := m["name"].(string)
				if !ok || name == "" {
					return nil, fmt.Errorf("%s[%d]: needs a name", s.section, i)
				}
				out = append(out, store.Record{Kind: s.kind, Name: name, Doc: m})
			}
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: must be a map", s.section)
		}
		for name, item := range m {
			im, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s.%s: must be a map", s.section, name)
			}
			out = append(out, store.Record{Kind: s.kind, Name: name, Doc: im})
		}
	}
	if srv, ok := doc["server"].(map[string]any); ok {
		out = append(out, store.Record{Kind: store.KindServer, Name: "server", Doc: srv})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// FromRecords assembles records into a config document.
func FromRecords(recs []store.Record) map[string]any {
	doc := map[string]any{}
	for _, r := range recs {
		if r.Kind == store.KindServer {
			doc["server"] = r.Doc
			continue
		}
		for _, s := range sections {
			if s.kind != r.Kind {
				continue
			}
			if s.list {
				item := map[string]any{}
				for k, v := range r.Doc {
					item[k] = v
				}
				item["name"] = r.Name
				list, _ := doc[s.section].([]any)
				doc[s.section] = append(list, item)
			} else {
				m, _ := doc[s.section].(map[string]any)
				if m == nil {
					m = map[string]any{}
					doc[s.section] = m
				}
				m[r.Name] = r.Doc
			}
		}
	}
	return doc
}
