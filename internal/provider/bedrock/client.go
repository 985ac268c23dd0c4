package bedrock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

func init() { provider.Register("bedrock", New) }

// Client calls one Bedrock Runtime endpoint (one region) for one configured
// provider. It is safe for concurrent use; the SDK client is built once.
type Client struct {
	api  *bedrockruntime.Client
	name string

	// now and newID are the clock and the fallback response id; tests fix
	// them so that responses compare exactly.
	now   func() time.Time
	newID func() string
}

var _ provider.Provider = (*Client)(nil)

// New builds the Bedrock provider. The region is cfg.Region, else the SDK's
// default (AWS_REGION); credentials come from the default chain and are
// resolved on the first call, so New does no network I/O. The endpoint is the
// SDK's standard one unless AWS_ENDPOINT_URL_BEDROCK_RUNTIME (or the shared
// config) overrides it, and cfg.EndpointURL overrides both.
func New(cfg config.Provider, env provider.Env) (provider.Provider, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	// LoadDefaultConfig reads the environment and the shared config files
	// only; the credential chain is invoked lazily by the first request.
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("bedrock provider %q: load AWS config: %w", env.Name, err)
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("bedrock provider %q: no region: set region in the provider config or AWS_REGION", env.Name)
	}
	if cfg.EndpointURL != "" {
		u, err := url.Parse(cfg.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("bedrock provider %q: endpoint_url %q: must be an http(s) URL", env.Name, cfg.EndpointURL)
		}
	}
	api := bedrockruntime.NewFromConfig(awsCfg, func(o *bedrockruntime.Options) {
		// The gateway's attempt loop owns retries, backoff and fallback; an
		// SDK retry underneath would multiply attempts and hide 429s from it.
		o.Retryer = aws.NopRetryer{}
		o.RetryMaxAttempts = 1
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
		}
		o.APIOptions = append(o.APIOptions, env.AWSAPIOptions...)
		if env.HTTPClient != nil {
			// Set here rather than through LoadDefaultConfig, which fails
			// on a plain *http.Client when AWS_CA_BUNDLE is set; the
			// shared client owns its TLS settings.
			o.HTTPClient = env.HTTPClient
		}
		o.HTTPClient = bodyGuard{next: o.HTTPClient}
	})
	return &Client{api: api, name: env.Name, now: time.Now, newID: randomID}, nil
}

// Complete sends one Converse request.
func (c *Client) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	in, err := toConverse(call.Model, call.Request)
	if err != nil {
		return nil, err
	}
	out, err := c.api.Converse(ctx, in.converseInput())
	if err != nil {
		return nil, classify(ctx, err)
	}
	resp, ferr := fromConverse(out, c.responseID(out.ResultMetadata), call.Model, c.now().Unix())
	if ferr != nil {
		return nil, ferr
	}
	resp.UpstreamRequestID, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	return resp, nil
}

// Stream opens one ConverseStream request. Errors the service returns before
// the event stream starts (throttling, validation, auth) come back here;
// later ones surface through the Stream's Err.
func (c *Client) Stream(ctx context.Context, call *provider.Call) (provider.Stream, error) {
	in, err := toConverse(call.Model, call.Request)
	if err != nil {
		return nil, err
	}
	out, err := c.api.ConverseStream(ctx, in.streamInput())
	if err != nil {
		return nil, classify(ctx, err)
	}
	includeUsage := call.Request.StreamOptions != nil && call.Request.StreamOptions.IncludeUsage
	meta := chunkMeta{id: c.responseID(out.ResultMetadata), model: call.Model, created: c.now().Unix()}
	meta.requestID, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	return newStream(ctx, out.GetStream(), meta, includeUsage), nil
}

// responseID is "chatcmpl-" plus Bedrock's request id (x-amzn-RequestId), so
// that a response a caller quotes can be found in AWS's logs; a generated id
// when the service sent none.
func (c *Client) responseID(md middleware.Metadata) string {
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok && id != "" {
		return "chatcmpl-" + id
	}
	return "chatcmpl-" + c.newID()
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
