package testenv_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchyard-llm/switchyard/internal/testenv"
)

func TestRepoRoot(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatalf("RepoRoot: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("RepoRoot = %s, which holds no go.mod: %v", root, err)
	}
}

func TestDynalite(t *testing.T) {
	ctx := context.Background()
	srv := testenv.StartDynalite(t)
	client := testenv.DynamoClient(t, srv.Endpoint, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	steps := []struct {
		name    string
		kill    bool
		wantErr bool
	}{
		{"answers once started", false, false},
		{"is gone once killed", true, true},
		{"kill twice is harmless", true, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.kill {
				srv.Kill()
			}
			out, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
			if (err != nil) != st.wantErr {
				t.Fatalf("ListTables error = %v, want error: %v", err, st.wantErr)
			}
			if err == nil && len(out.TableNames) != 0 {
				t.Errorf("a fresh dynalite has tables %v", out.TableNames)
			}
		})
	}
}
