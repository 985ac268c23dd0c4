package configsource

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

var _ httpapi.Admin = (*Source)(nil)

// Get returns one record's document.
func (s *Source) Get(ctx context.Context, kind, name string) (any, error) {
	if err := checkRecordName(kind, name); err != nil {
		return nil, err
	}
	recs, err := s.st.ListRecords(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.Kind == kind && r.Name == name {
			return map[string]any{"name": r.Name, "version": r.Version, "updated_at": r.UpdatedAt, "doc": r.Doc}, nil
		}
	}
	return nil, store.ErrNotFound
}

// List returns every record of a kind.
func (s *Source) List(ctx context.Context, kind string) (map[string]any, error) {
	recs, err := s.st.ListRecords(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, r := range recs {
		if r.Kind == kind {
			out[r.Name] = r.Doc
		}
	}
	return out, nil
}

// Put validates the whole config with this record changed, then stores it
// and reloads, so a bad record never reaches the store.
func (s *Source) Put(ctx context.Context, kind, name string, doc any) error {
	m, ok := doc.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: the document must be a JSON object", httpapi.ErrInvalid)
	}
	return s.change(ctx, kind, name, m)
}

// Delete removes a record if the config stays valid without it.
func (s *Source) Delete(ctx context.Context, kind, name string) error {
	return s.change(ctx, kind, name, nil)
}

func (s *Source) change(ctx context.Context, kind, name string, doc map[string]any) error {
	if err := checkRecordName(kind, name); err != nil {
		return err
	}
	if s.st == nil {
		return fmt.Errorf("no config store")
	}
	if err := s.changeLocked(ctx, kind, name, doc); err != nil {
		return err
	}
	if err := s.Reload(ctx); err != nil {
		// Stored and valid: the next refresh serves it.
		s.log.Warn("config change stored; reload failed", "kind", kind, "name", name, "err", err)
	}
	return nil
}

// changeLocked validates the whole config with the change applied, writes
// the record and checks the stored result. Changes through this instance
// are serialised (with its reloads); other instances' are not, hence the
// check after the write.
func (s *Source) changeLocked(ctx context.Context, kind, name string, doc map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs, err := s.st.ListRecords(ctx)
	if err != nil {
		return err
	}
	recs, _ = splitSnapshot(recs)
	found := false
	var prev map[string]any // the record's doc before this change
	next := make([]store.Record, 0, len(recs)+1)
	for _, r := range recs {
		if r.Kind == kind && r.Name == name {
			found, prev = true, r.Doc
			if doc == nil {
				continue
			}
			r.Doc = doc
		}
		next = append(next, r)
	}
	if !found {
		if doc == nil {
			return store.ErrNotFound
		}
		next = append(next, store.Record{Kind: kind, Name: name, Doc: doc})
	}
	if doc == nil {
		if err := refuseLast(recs, kind, name); err != nil {
			return err
		}
	}
	if _, err := Validate(FromRecords(next)); err != nil {
		return fmt.Errorf("%w: %v", httpapi.ErrInvalid, err)
	}
	if doc == nil {
		err = s.st.DeleteRecord(ctx, kind, name)
	} else {
		err = s.st.PutRecord(ctx, store.Record{Kind: kind, Name: name, Doc: doc})
	}
	if err != nil {
		return err
	}
	// Another instance may have changed other records between our read and
	// our write (deleted a router this change names, say). The store has no
	// multi-record transaction here, so check the stored result and undo
	// this change if together they no longer validate. (The undo itself
	// is not conditional: a third change to this same record landing in
	// that window would be overwritten — a narrower race, left open.)
	if err := s.verifyStored(ctx); err != nil {
		s.undo(ctx, kind, name, prev, found)
		return fmt.Errorf("%w: %v", httpapi.ErrConflict, err)
	}
	return nil
}

// verifyStored re-reads the records and validates them. A failed read is
// not a conflict: the change stands.
func (s *Source) verifyStored(ctx context.Context) error {
	after, err := s.st.ListRecords(ctx)
	if err != nil {
		return nil
	}
	after, _ = splitSnapshot(after)
	if _, err := Validate(FromRecords(after)); err != nil {
		return err
	}
	return nil
}

// undo puts a record back as it was before change wrote it.
func (s *Source) undo(ctx context.Context, kind, name string, prev map[string]any, existed bool) {
	var err error
	switch {
	case existed:
		err = s.st.PutRecord(ctx, store.Record{Kind: kind, Name: name, Doc: prev})
	default:
		err = s.st.DeleteRecord(ctx, kind, name)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("could not undo a conflicting config change", "kind", kind, "name", name, "err", err)
	}
}

// checkRecordName refuses a name no config could hold (config.NamePattern;
// a models key is provider/model), before any store call: the admin path
// segment is the caller's, and may carry NUL bytes, invalid UTF-8 or
// thousands of characters.
func checkRecordName(kind, name string) error {
	check := config.CheckName
	if kind == store.KindModel {
		check = config.CheckModelKey
	}
	if err := check(name); err != nil {
		return fmt.Errorf("%w: %v", httpapi.ErrInvalid, err)
	}
	return nil
}

// refuseLast refuses to delete the last key or the last admin key. Both
// leave a valid config, but not one a caller of DELETE can have meant:
// with no keys callers have nothing to authenticate with, and a local
// server with no keys at all serves any loopback caller without one;
// with no admin key nobody can use the admin API again. Changing the auth
// mode on purpose is a whole-config push (gateway config push).
func refuseLast(recs []store.Record, kind, name string) error {
	if kind != store.KindKey && kind != store.KindAdminKey {
		return nil
	}
	n := 0
	for _, r := range recs {
		if r.Kind == kind {
			n++
		}
	}
	if n != 1 {
		return nil
	}
	if kind == store.KindKey {
		return &httpapi.RefusedError{Code: "last_key", Message: "key " + name + " is the last key: without keys callers " +
			"have none to use, and a local server with no keys at all serves any loopback caller without one. " +
			"Add another key first, or push a whole config without keys (gateway config push) to go keyless on purpose"}
	}
	return &httpapi.RefusedError{Code: "last_admin_key", Message: "admin key " + name + " is the last admin key: " +
		"without one nobody could use the admin API again (and with no keys either, any loopback caller could). " +
		"Add another admin key first"}
}
