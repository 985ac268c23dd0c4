package statetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// envelope is OpenAI's error envelope as the gateway answers it.
type envelope struct {
	Error *struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    string  `json:"code"`
		Param   *string `json:"param"`
	} `json:"error"`
}

func (e envelope) code() string {
	if e.Error == nil {
		return ""
	}
	return e.Error.Code
}

func (e envelope) typ() string {
	if e.Error == nil {
		return ""
	}
	return e.Error.Type
}

func (e envelope) message() string {
	if e.Error == nil {
		return ""
	}
	return e.Error.Message
}

// chatBody is the chat request the harness's chat helper sends.
func chatBody(model string) string {
	return fmt.Sprintf(`{"model": %q, "max_tokens": 5, "messages": [{"role": "user", "content": "Tell me a story."}]}`, model)
}

// send makes one request to g, with a bearer token unless token is "",
// and returns the status, the error envelope (Error nil when there is
// none) and the raw body.
func (g *gateway) send(t testing.TB, method, path, token, body string) (int, envelope, string) {
	t.Helper()
	req, err := http.NewRequest(method, g.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := guardClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v (a request that outlives %s hangs)", method, path, err, guard)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env envelope
	if resp.StatusCode != http.StatusOK {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: error answered as %q, want application/json", method, path, ct)
		}
		if err := json.Unmarshal(raw, &env); err != nil || env.Error == nil {
			t.Fatalf("%s %s: %d without an error envelope: %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, env, string(raw)
}

// budgetItem is a budget counter as stored in the state table.
type budgetItem struct {
	spent   int64
	expires time.Time
}

func (b budgetItem) String() string {
	return fmt.Sprintf("%d µUSD, expires %s", b.spent, b.expires.Format(time.RFC3339))
}

// budgetItems reads every budget counter straight from the state table,
// not through the store, so the test sees the items as DynamoDB holds them.
func budgetItems(t testing.TB, st *dynamo.Store) map[string]budgetItem {
	t.Helper()
	out := map[string]budgetItem{}
	p := dynamodb.NewQueryPaginator(st.Client(), &dynamodb.QueryInput{
		TableName:                 aws.String(st.Tables().State),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": "pk"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "budget"}},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("query budget items: %v", err)
		}
		for _, item := range page.Items {
			sk, _ := item["sk"].(*types.AttributeValueMemberS)
			spent, _ := item["spent"].(*types.AttributeValueMemberN)
			exp, _ := item["expires_at"].(*types.AttributeValueMemberN)
			if sk == nil || spent == nil || exp == nil {
				t.Fatalf("budget item lacks sk, spent (N) or expires_at (N): %v", item)
			}
			s, err1 := strconv.ParseInt(spent.Value, 10, 64)
			e, err2 := strconv.ParseInt(exp.Value, 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("budget item %s: spent %q, expires_at %q", sk.Value, spent.Value, exp.Value)
			}
			out[sk.Value] = budgetItem{spent: s, expires: time.Unix(e, 0).UTC()}
		}
	}
	return out
}

// storyModels' prices make a request cost 13 000 µUSD and reserve 21 500
// (proofYAML explains the figures).
const storyModels = `
models:
  m/story: {input_per_mtok: 1000, output_per_mtok: 1000}
`

const periodsYAML = `
providers:
  m: {type: mock, reply: "Once upon a time."}
routers:
  main: {strategy: fallback, targets: [{model: m/story}]}
budgets:
  - {name: hourly, scope: global, limit_usd: 100, period: hour}
  - {name: daily, scope: global, limit_usd: 100, period: day}
  - {name: weekly, scope: global, limit_usd: 100, period: week}
  - {name: monthly, scope: global, limit_usd: 100, period: month}
  - {name: lifetime, scope: global, limit_usd: 100, period: total}
` + storyModels

// TestBudgetPeriodKeys: one request at each of three instants writes one
// counter per budget and period, keyed and expiring (35 days after the
// period ends) as docs/state.md says. The instants cross an ISO week, a
// month and a year, where the ISO week year (2026-W53) differs from the
// calendar year. Each counter holds the reservation until settled, then
// exactly the cost of the requests in its period.
func TestBudgetPeriodKeys(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	clk := newClock() // Wednesday 2026-11-25 12:00 UTC
	e := newEngine(t, parse(t, periodsYAML), st, clk, "instance-a", nil)
	ctx := context.Background()
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	instants := []time.Time{
		at("2026-11-25T12:00:00Z"), // Wednesday of ISO week 48
		at("2026-11-30T00:00:00Z"), // Monday: a new week, the same month
		at("2027-01-01T00:30:00Z"), // Friday: a new year, still ISO week 2026-W53
	}
	var perRequest int64
	for i, ts := range instants {
		clk.Advance(ts.Sub(clk.Now()))
		res, err := e.Complete(ctx, request("router/main", 5))
		if err != nil {
			t.Fatalf("request at %s: %+v", ts, err)
		}
		perRequest = int64(math.Ceil(res.CostUSD * 1e6))
		if i == 0 {
			// Before settlement the counter holds the worst case.
			held := budgetItems(t, st)["hourly#2026-11-25T12"].spent
			if held <= perRequest {
				t.Errorf("before settlement the counter holds %d µUSD, want the reservation (more than the %d cost)", held, perRequest)
			}
		}
		if err := e.Flush(ctx, true); err != nil {
			t.Fatal(err)
		}
	}
	if perRequest <= 0 {
		t.Fatalf("a request cost %d µUSD; the test needs priced requests", perRequest)
	}

	want := []struct {
		key      string
		requests int64
		expires  string
	}{
		{"hourly#2026-11-25T12", 1, "2026-12-30T13:00:00Z"},
		{"daily#2026-11-25", 1, "2026-12-31T00:00:00Z"},
		{"weekly#2026-W48", 1, "2027-01-04T00:00:00Z"}, // the week ends Monday 2026-11-30
		{"monthly#2026-11", 2, "2027-01-05T00:00:00Z"},
		{"lifetime#total", 3, "9999-02-05T00:00:00Z"},
		{"hourly#2026-11-30T00", 1, "2027-01-04T01:00:00Z"},
		{"daily#2026-11-30", 1, "2027-01-05T00:00:00Z"},
		{"weekly#2026-W49", 1, "2027-01-11T00:00:00Z"},
		{"hourly#2027-01-01T00", 1, "2027-02-05T01:00:00Z"},
		{"daily#2027-01-01", 1, "2027-02-06T00:00:00Z"},
		{"weekly#2026-W53", 1, "2027-02-08T00:00:00Z"}, // the week began Monday 2026-12-28
		{"monthly#2027-01", 1, "2027-03-08T00:00:00Z"},
	}
	got := budgetItems(t, st)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(got) != len(want) {
		t.Errorf("state table holds counters %v, want %d", keys, len(want))
	}
	for _, w := range want {
		t.Run(w.key, func(t *testing.T) {
			item, ok := got[w.key]
			if !ok {
				t.Fatalf("no counter %s; stored: %v", w.key, keys)
			}
			if item.spent != w.requests*perRequest {
				t.Errorf("spent %d µUSD, want %d requests × %d", item.spent, w.requests, perRequest)
			}
			if exp := at(w.expires); !item.expires.Equal(exp) {
				t.Errorf("expires_at %s, want %s (35 days after the period ends)", item.expires.Format(time.RFC3339), w.expires)
			}
		})
	}
}
