package bedrock

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// bodyGuard works around a race between smithy-go and net/http
// (aws/aws-sdk-go-v2#2737). The SDK closes the request body as soon as
// client.Do returns, while the transport's write loop may still be making
// its final read of that body; the SDK's body implements io.WriterTo, which
// answers that read with an io.EOF *error* once closed, so the transport
// treats the request write as failed and closes the connection under the
// response being read ("use of closed network connection"). The SDK papers
// over this with a retry, which is off here. Hiding WriterTo makes the late
// read an ordinary end of body.
type bodyGuard struct {
	next bedrockruntime.HTTPClient
}

func (g bodyGuard) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readOnlyBody{r.Body}
	}
	return g.next.Do(r)
}

// readOnlyBody exposes only Read and Close of the body it wraps.
type readOnlyBody struct{ rc io.ReadCloser }

func (b readOnlyBody) Read(p []byte) (int, error) { return b.rc.Read(p) }
func (b readOnlyBody) Close() error               { return b.rc.Close() }
