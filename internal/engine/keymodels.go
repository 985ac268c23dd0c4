package engine

import (
	"fmt"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// CodeModelNotAllowed is the 403 of a request none of whose targets its
// key's models allow.
const CodeModelNotAllowed = "model_not_allowed"

// keyModels keeps the candidates key's models globs allow (keys[].models,
// DESIGN §9): a router's other targets still serve the key, and a request
// left with none is refused with 403 before any upstream call.
func keyModels(key *config.Key, cands []routing.Candidate) ([]routing.Candidate, *Error) {
	if key == nil || len(key.Models) == 0 {
		return cands, nil
	}
	kept := cands[:0:0]
	for _, c := range cands {
		if key.AllowsModel(c.Key) {
			kept = append(kept, c)
		}
	}
	if len(kept) > 0 {
		return kept, nil
	}
	names := make([]string, len(cands))
	for i, c := range cands {
		names[i] = c.Key
	}
	return nil, &Error{Status: statusForbidden, Type: TypePermission, Code: CodeModelNotAllowed,
		Message: fmt.Sprintf("key %q may not use %s (its models: %s)", key.Name, strings.Join(names, ", "), strings.Join(key.Models, ", "))}
}
