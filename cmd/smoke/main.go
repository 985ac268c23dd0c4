package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// streamPrompt asks for an answer long enough to arrive in many chunks.
const streamPrompt = "Count from 1 to 40, one number per line, nothing else."

// hangUpAfter is how many content chunks the disconnect check reads.
const hangUpAfter = 2

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

// run runs the checks; now is the clock the timings are read from.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", os.Getenv("URL"), "the stack's ApiUrl (https://<api>.execute-api.<region>.amazonaws.com/<stage>) or custom domain")
	key := fs.String("key", os.Getenv("KEY"), "a caller key of the deployed config")
	model := fs.String("model", "router/default", "model or router to ask")
	timeout := fs.Duration("timeout", 2*time.Minute, "per-check timeout")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *url == "" || *key == "" {
		fmt.Fprintln(stderr, "usage: smoke -url https://<api>.execute-api.<region>.amazonaws.com/<stage> -key sk-... [-model router/default]")
		return 2
	}
	c := &client{base: *url, key: *key, model: *model, http: &http.Client{}, now: now}
	failed := 0
	report := func(name string, err error, detail string) {
		verdict := "PASS"
		if err != nil {
			verdict, failed = "FAIL", failed+1
			detail += " — " + err.Error()
		}
		fmt.Fprintf(stdout, "%s %-10s %s\n", verdict, name, detail)
	}
	check := func(f func(ctx context.Context)) {
		cctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		f(cctx)
	}

	check(func(ctx context.Context) {
		status, err := c.healthz(ctx)
		if err == nil && status != 200 {
			err = fmt.Errorf("status %d", status)
		}
		report("healthz", err, fmt.Sprintf("status=%d", status))
	})
	check(func(ctx context.Context) {
		t := c.stream(ctx, streamPrompt, 0)
		report("stream", streamVerdict(t), t.String()+" "+chunkGaps(t.Chunks).String()+" request_id="+t.RequestID)
	})
	check(func(ctx context.Context) {
		t := c.stream(ctx, streamPrompt, hangUpAfter)
		status, _, err := c.plain(ctx, "Say OK.")
		report("disconnect", disconnectVerdict(t, hangUpAfter, status, err),
			fmt.Sprintf("hung up after %d chunks at %s; next request status=%d; abandoned request_id=%s", len(t.Chunks), ms(t.End), status, t.RequestID))
	})
	if failed > 0 {
		fmt.Fprintf(stdout, "%d check(s) failed\n", failed)
		return 1
	}
	return 0
}
