package configsource

import (
	"context"
	"fmt"
	"maps"

	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// EditKey changes one key record in st without a whole config push (the
// CLI's `gateway keys`): edit gets a copy of the key's document (nil when
// there is none) and returns the new one; the config with it must
// validate, or nothing is written. Running instances pick the change up at
// their next config refresh.
func EditKey(ctx context.Context, st store.Configs, name string, edit func(doc map[string]any) (map[string]any, error)) error {
	if err := checkRecordName(store.KindKey, name); err != nil {
		return err
	}
	recs, err := st.ListRecords(ctx)
	if err != nil {
		return err
	}
	recs, _ = splitSnapshot(recs)
	var current map[string]any
	for _, r := range recs {
		if r.Kind == store.KindKey && r.Name == name {
			current = maps.Clone(r.Doc)
		}
	}
	doc, err := edit(current)
	if err != nil {
		return err
	}
	next := make([]store.Record, 0, len(recs)+1)
	found := false
	for _, r := range recs {
		if r.Kind == store.KindKey && r.Name == name {
			r.Doc, found = doc, true
		}
		next = append(next, r)
	}
	if !found {
		next = append(next, store.Record{Kind: store.KindKey, Name: name, Doc: doc})
	}
	if _, err := Validate(FromRecords(next)); err != nil {
		return fmt.Errorf("%w: %v", httpapi.ErrInvalid, err)
	}
	return st.PutRecord(ctx, store.Record{Kind: store.KindKey, Name: name, Doc: doc})
}
