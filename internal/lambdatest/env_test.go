package lambdatest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// Names the events in events/ rely on.
const (
	exampleKey   = "sk-switchyard-example" // the bearer token of events/*.json
	providerKey  = "sk-fake-upstream-key"  // what the fake upstream requires
	secretID     = "switchyard/provider-keys"
	upstreamName = "fake"
)

// deployment is what a deployed stack has around the function: its
// tables (dynalite), the provider-keys secret (a fake Secrets Manager),
// a provider (a fake OpenAI) and a config pushed to the config table.
// edits change the config document before it is pushed, and may add to
// env what the function needs for it.
type deployment struct {
	Tables   dynamo.Tables
	Store    *dynamo.Store
	Upstream *openaifake.Fake
	Secrets  *fakeSecretsManager
	env      []string
}

func newDeployment(t testing.TB, edits ...func(d *deployment, doc map[string]any)) *deployment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	endpoint := testenv.Dynalite(t)
	client := testenv.DynamoClient(t, endpoint)
	tables := dynamo.Tables{Config: "switchyard-config", State: "switchyard-state", Metrics: "switchyard-metrics"}
	if err := dynamo.CreateTables(ctx, client, tables); err != nil {
		t.Fatal(err)
	}
	d := &deployment{Tables: tables, Store: dynamo.New(client, tables), Upstream: openaifake.New(t)}
	d.Upstream.APIKey = providerKey
	d.Secrets = newFakeSecretsManager(t, map[string]string{secretID: `{"` + upstreamName + `":"` + providerKey + `"}`})

	sum := sha256.Sum256([]byte(exampleKey))
	doc := map[string]any{
		"providers": map[string]any{
			upstreamName: map[string]any{"type": "openai", "base_url": d.Upstream.BaseURL(),
				// The stack's own secret (SWITCHYARD_PROVIDER_SECRET, as
				// template.yaml sets it), so the stored config names no ARN.
				"api_key": "secret:#" + upstreamName, "models": []any{"gpt-4o-mini", "gpt-4o"}},
		},
		"models": map[string]any{
			upstreamName + "/gpt-4o-mini": map[string]any{"input_per_mtok": 0.15, "output_per_mtok": 0.60},
			upstreamName + "/gpt-4o":      map[string]any{"input_per_mtok": 2.50, "output_per_mtok": 10.0},
		},
		"routers": map[string]any{
			"default": map[string]any{"strategy": "fallback", "targets": []any{
				map[string]any{"model": upstreamName + "/gpt-4o-mini"},
				map[string]any{"model": upstreamName + "/gpt-4o"},
			}},
		},
		"keys": []any{map[string]any{"name": "example", "sha256": hex.EncodeToString(sum[:])}},
	}
	d.env = []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + endpoint,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + d.Secrets.URL,
		"SWITCHYARD_PROVIDER_SECRET=" + secretID,
		// Every invocation's flush is due, so each writes its metric sums
		// at once and the aggregator run right after the invocations sees
		// all of them (by default a container writes them every 20 s).
		"SWITCHYARD_METRICS_FLUSH_EVERY=1ns",
		dynamo.EnvConfigTable + "=" + tables.Config,
		dynamo.EnvStateTable + "=" + tables.State,
		dynamo.EnvMetricsTable + "=" + tables.Metrics,
	}
	for _, edit := range edits {
		edit(d, doc)
	}
	if _, err := configsource.Push(ctx, d.Store, doc); err != nil {
		t.Fatalf("push config: %v", err)
	}
	return d
}

// fakeSecretsManager answers GetSecretValue in the AWS JSON 1.1 protocol
// and counts the calls.
type fakeSecretsManager struct {
	*httptest.Server
	mu      sync.Mutex
	secrets map[string]string
	calls   int
}

func newFakeSecretsManager(t testing.TB, secrets map[string]string) *fakeSecretsManager {
	f := &fakeSecretsManager{secrets: secrets}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		var in struct{ SecretId string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		v, ok := f.secrets[in.SecretId]
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + in.SecretId + "-AbCdEf",
			"Name": in.SecretId, "SecretString": v, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSecretsManager) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}
