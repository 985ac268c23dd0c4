package httpapi

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// adminKey serves POST /v1/admin/keys/{name}/{action}, the key lifecycle
// without a config push (DESIGN §9):
//
//   - create: mint a token for a new key (the body, optional, holds the
//     key's other fields: routers, limits, models, expires_at);
//   - rotate: mint a new token for an existing key, the old one stops
//     working at once;
//   - disable / enable: set or clear the key's disabled flag.
//
// Only the token's sha256 is stored; create and rotate show the token in
// their answer, once.
func (s *Server) adminKey(w http.ResponseWriter, r *http.Request) {
	r.SetPathValue("kind", "keys")
	kind, ok := s.adminAuth(w, r)
	if !ok {
		return
	}
	name, action := r.PathValue("name"), r.PathValue("action")
	ctx := r.Context()
	current, err := s.keyRecord(r, kind, name)
	if err != nil && !(action == "create" && errors.Is(err, store.ErrNotFound)) {
		writeError(w, adminError(kind, name, err))
		return
	}
	out := map[string]any{"name": name}
	status := http.StatusOK
	doc := maps.Clone(current)
	switch action {
	case "create":
		if current != nil {
			writeError(w, errf(http.StatusConflict, engine.TypeInvalidRequest, "key_exists", "key "+name+" exists: rotate its token instead"))
			return
		}
		doc = map[string]any{}
		if body, berr := readBody(r, maxAdminDoc); berr != nil {
			writeError(w, berr)
			return
		} else if len(body) > 0 {
			if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
				writeError(w, errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_json", "the body must be a JSON object of the key's fields"))
				return
			}
		}
		doc["name"] = name
		status = http.StatusCreated
		fallthrough
	case "rotate":
		token, sum, err := config.MintToken()
		if err != nil {
			writeError(w, errf(http.StatusInternalServerError, engine.TypeUpstream, "mint_failed", err.Error()))
			return
		}
		doc["sha256"] = sum
		out["token"], out["sha256"] = token, sum
		out["note"] = "the token is shown once; only its sha256 is stored"
	case "disable":
		doc["disabled"] = true
		out["disabled"] = true
	case "enable":
		delete(doc, "disabled")
		out["disabled"] = false
	default:
		writeError(w, errf(http.StatusNotFound, engine.TypeNotFound, "unknown_action", "key actions: create, rotate, disable, enable"))
		return
	}
	if err := s.opts.Admin.Put(ctx, kind, name, doc); err != nil {
		writeError(w, adminError(kind, name, err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, out)
}

// keyRecord is the stored document of key name; store.ErrNotFound when
// there is none.
func (s *Server) keyRecord(r *http.Request, kind, name string) (map[string]any, error) {
	got, err := s.opts.Admin.Get(r.Context(), kind, name)
	if err != nil {
		return nil, err
	}
	rec, _ := got.(map[string]any)
	doc, _ := rec["doc"].(map[string]any)
	if doc == nil {
		return nil, store.ErrNotFound
	}
	return doc, nil
}
