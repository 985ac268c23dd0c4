package store_test

import (
	"testing"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}
