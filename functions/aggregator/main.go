// Command aggregator rolls the gateway's per-minute metric buckets up into
// per-target and per-router stats (package aggregate). Under Lambda
// (AWS_LAMBDA_RUNTIME_API set) it handles the one-minute EventBridge
// schedule; elsewhere `aggregator run` runs it once against the tables
// named by SWITCHYARD_*_TABLE (AWS_ENDPOINT_URL_DYNAMODB for an emulator).
//
// Overlapping runs are harmless: a run's output depends only on the
// buckets and the time, and stats items are replaced whole.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	smithytime "github.com/aws/smithy-go/time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/tracing"
)

const usage = `usage: aggregator run

Rolls the metric buckets of the last 24 h into 5m/15m/1h/24h stats once.
Tables come from SWITCHYARD_CONFIG_TABLE, SWITCHYARD_STATE_TABLE and
SWITCHYARD_METRICS_TABLE; AWS_ENDPOINT_URL_DYNAMODB points at an emulator.
Under Lambda the same roll-up runs on each scheduled event.
`

// Summary is what a run reports (the Lambda result, the CLI's output).
type Summary struct {
	Stats    int       `json:"stats"`
	Subjects int       `json:"subjects"`
	Digests  int       `json:"digests,omitempty"` // shared-state digests built
	At       time.Time `json:"at"`
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		// The client is built once per container; it makes no call until
		// the first event. Its calls are traced under the invocation.
		var opts []func(*dynamodb.Options)
		if api, err := tracing.XRayAPIOptions(log); err == nil {
			opts = append(opts, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, api...) })
		} else {
			log.Warn("X-Ray tracing off", "err", err)
		}
		st, err := dynamo.NewFromEnv(context.Background(), opts...)
		if err != nil {
			log.Error("aggregator init failed", "err", err)
			os.Exit(1)
		}
		lambda.Start(handler(st, log, time.Now))
		return
	}
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// handler serves the schedule event. The roll-up is anchored at the
// current time, not the event's: a delayed or retried event still
// computes windows that end now.
//
// After the roll-up it rebuilds the shared-state digest every
// aggregate.DigestEvery until digestMargin before the invocation's
// deadline, so one invocation a minute keeps the digest containers read
// fresh (docs/scale.md). A digest failure is logged, not returned: the
// roll-up is done, and containers fall back to reading the partitions.
func handler(m store.Store, log *slog.Logger, now func() time.Time) func(context.Context, events.EventBridgeEvent) (Summary, error) {
	return func(ctx context.Context, ev events.EventBridgeEvent) (Summary, error) {
		at := now()
		sum, err := run(ctx, m, at)
		if err != nil {
			log.Error("aggregation failed", "event_id", ev.ID, "err", err)
			return sum, err
		}
		log.Info("aggregated", "event_id", ev.ID, "scheduled", ev.Time, "lag_ms", at.Sub(ev.Time).Milliseconds(),
			"stats", sum.Stats, "subjects", sum.Subjects)
		until := now() // no deadline: one build
		if dl, ok := ctx.Deadline(); ok {
			until = dl.Add(-digestMargin)
		}
		builds, err := aggregate.DigestLoop(ctx, m, now, until, smithytime.SleepWithContext)
		if err != nil {
			log.Warn("shared-state digest not (always) built; containers read the partitions meanwhile", "builds", builds, "err", err)
		}
		sum.Digests = builds
		return sum, nil
	}
}

// digestMargin is left of the invocation's time after the last digest.
const digestMargin = 5 * time.Second

func run(ctx context.Context, m store.Metrics, at time.Time) (Summary, error) {
	stats, err := aggregate.Run(ctx, m, at)
	if err != nil {
		return Summary{At: at}, err
	}
	subjects := map[string]bool{}
	for _, s := range stats {
		subjects[s.Subject] = true
	}
	return Summary{Stats: len(stats), Subjects: len(subjects), At: at}, nil
}

func cli(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] != "run" {
		if len(args) == 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := dynamo.NewFromEnv(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "aggregator: %v\n", err)
		return 1
	}
	sum, err := run(ctx, st, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "aggregator: %v\n", err)
		return 1
	}
	out, _ := json.Marshal(sum)
	fmt.Fprintln(stdout, string(out))
	return 0
}
