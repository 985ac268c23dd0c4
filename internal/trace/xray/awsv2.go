package xray

import (
	"context"
	"errors"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// AWSAPIOptions are the APIOptions that trace AWS SDK v2 calls: add them
// to a client's Options.APIOptions (or engine.Deps.AWSAPIOptions). Each
// call made while serving a request is a subsegment of it named after the
// service ("DynamoDB"), in the aws namespace with the operation, region
// and request id, so X-Ray's service map draws the service; the call
// carries the trace downstream in X-Amzn-Trace-Id. A call made off any
// request (a background write) is not traced, and never fails for it.
func (t *Tracer) AWSAPIOptions() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{t.instrumentAWS}
}

type awsCallKey struct{}

func (t *Tracer) instrumentAWS(stack *middleware.Stack) error {
	// After the other initialize steps: the operation's name and region are
	// in ctx by then. The subsegment spans every retry.
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("SwitchyardXRayCall", func(
		ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
	) (middleware.InitializeOutput, middleware.Metadata, error) {
		if disabled() {
			return next.HandleInitialize(ctx, in)
		}
		n := t.under(ctx, awsmiddleware.GetServiceID(ctx))
		if n == nil {
			return next.HandleInitialize(ctx, in)
		}
		if n.tree.sampled {
			n.tree.mu.Lock()
			n.doc.Namespace = "aws"
			n.doc.AWS = map[string]any{"operation": awsmiddleware.GetOperationName(ctx), "region": awsmiddleware.GetRegion(ctx)}
			n.tree.mu.Unlock()
		}
		out, md, err := next.HandleInitialize(context.WithValue(ctx, awsCallKey{}, n), in)
		if n.tree.sampled {
			if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
				n.tree.mu.Lock()
				n.doc.AWS["request_id"] = id
				n.tree.mu.Unlock()
			}
		}
		if err != nil && n.tree.sampled && throttled(err) {
			n.tree.mu.Lock()
			n.doc.Throttle, n.doc.Error = true, true
			n.tree.mu.Unlock()
		}
		n.end(err)
		return out, md, err
	}), middleware.After)
	if err != nil {
		return err
	}
	// First in the deserialize step, so once per attempt, just around the
	// send: the trace header goes on the wire (after signing: SigV4 leaves
	// X-Amzn-Trace-Id unsigned), the answer's status on the subsegment.
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("SwitchyardXRayResponse", func(
		ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler,
	) (middleware.DeserializeOutput, middleware.Metadata, error) {
		n, _ := ctx.Value(awsCallKey{}).(*node)
		if n == nil {
			return next.HandleDeserialize(ctx, in)
		}
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			req.Header.Set(TraceHeader, n.downstream().String())
		}
		out, md, err := next.HandleDeserialize(ctx, in)
		if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
			n.captureStatus(resp.StatusCode, resp.ContentLength)
		}
		return out, md, err
	}), middleware.Before)
}

// throttled reports whether err is an AWS service's throttling answer (the
// codes the SDK's retryer treats as throttling), which DynamoDB, for one,
// sends as HTTP 400, not 429.
func throttled(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	_, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]
	return ok
}

// downstream is the trace header a call made inside n passes on.
func (n *node) downstream() traceHeader {
	th := traceHeader{root: n.tree.traceID, decision: notSampled}
	if n.tree.sampled {
		th.parent, th.decision = n.doc.ID, sampled
	}
	return th
}
