package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMetricsFlushEveryFromEnv: SWITCHYARD_METRICS_FLUSH_EVERY sets how
// often a container writes its metric sums. The engine's clock moves 1 ms
// between the two invocations, so by default only the first invocation's
// flush is due (the second's sample waits for the 20 s interval); at 1ns
// every invocation's flush writes its own. A bad value keeps the default
// and says so.
func TestMetricsFlushEveryFromEnv(t *testing.T) {
	cases := []struct {
		env     string
		written int64
		warns   bool
	}{
		{"", 1, false},
		{"1ns", 2, false},
		{"soon", 1, true},
		{"-5s", 1, true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q", c.env), func(t *testing.T) {
			t.Setenv(EnvMetricsFlushEvery, c.env)
			start := time.Now()
			var elapsed atomic.Int64
			r := newRig(t, gatewayOptions{Now: func() time.Time { return start.Add(time.Duration(elapsed.Load())) }})
			for i := range 2 {
				elapsed.Add(int64(time.Millisecond))
				id := fmt.Sprintf("req-%d", i)
				resp, err := r.g.adapter.Serve(context.Background(), chatEvent(id, false, "hello "+id))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				_ = resp.Body.(io.Closer).Close()
				if resp.StatusCode != 200 {
					t.Fatalf("%s: status %d: %s", id, resp.StatusCode, b)
				}
			}
			now := time.Now()
			buckets, err := r.store.Buckets(context.Background(), now.Add(-2*time.Minute), now.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			var written int64
			for _, b := range buckets {
				if strings.HasPrefix(b.Subject, target+"|") {
					written += b.Requests
				}
			}
			if written != c.written {
				t.Errorf("%d of 2 attempts written after 2 invocations, want %d", written, c.written)
			}
			if got := strings.Contains(r.logs.String(), EnvMetricsFlushEvery+" ignored"); got != c.warns {
				t.Errorf("warned about %s: %v, want %v; logs:\n%s", EnvMetricsFlushEvery, got, c.warns, r.logs.String())
			}
		})
	}
}
