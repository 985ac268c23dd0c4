package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchyard-llm/switchyard/internal/store"
)

func TestHandlerRollsUp(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 4, 30, 0, time.UTC)
	mem := store.NewMemory()
	for _, s := range []store.Sample{
		{Target: "openai/gpt-4o-mini", Router: "fb", Time: now.Add(-time.Minute), Success: false, ErrorClass: "server_error", LatencyMs: 40},
		{Target: "anthropic/claude-haiku-4-5", Router: "fb", Time: now.Add(-time.Minute), Success: true, Final: true, Fallback: true, LatencyMs: 300},
	} {
		if err := mem.AddSample(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	h := handler(mem, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now })
	// A late event still rolls up to now: the event time is only logged.
	ev := events.EventBridgeEvent{ID: "e1", DetailType: "Scheduled Event", Source: "aws.events", Time: now.Add(-3 * time.Hour)}
	for run := 0; run < 2; run++ { // a second, overlapping run leaves the same stats
		sum, err := h(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		// Two targets, their two providers and one router, four windows each.
		if sum.Subjects != 5 || sum.Stats != 20 || !sum.At.Equal(now) {
			t.Fatalf("run %d: %+v", run, sum)
		}
		stats, _ := mem.LoadStats(context.Background())
		if len(stats) != 20 {
			t.Fatalf("run %d: %d stats stored", run, len(stats))
		}
		for _, s := range stats {
			if s.Subject == "router/fb" && s.Window == "5m" && (s.Requests != 1 || s.Fallbacks != 1) {
				t.Fatalf("router stats %+v", s)
			}
			if s.Subject == store.ProviderStatsSubject("openai") && s.Window == "5m" && (s.Requests != 1 || s.SuccessRate != 0) {
				t.Fatalf("provider stats %+v", s)
			}
		}
	}
}

func TestCLIUsage(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		inStdout bool
	}{
		{nil, 2, false},
		{[]string{"help"}, 0, true},
		{[]string{"run", "extra"}, 2, false},
		{[]string{"frobnicate"}, 2, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := cli(tt.args, &out, &errOut); code != tt.code {
				t.Fatalf("exit %d, want %d", code, tt.code)
			}
			got := errOut.String()
			if tt.inStdout {
				got = out.String()
			}
			if !strings.Contains(got, "usage: aggregator run") {
				t.Fatalf("no usage in %q", got)
			}
		})
	}
}
