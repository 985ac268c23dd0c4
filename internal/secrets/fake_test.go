package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The credentials and region the fake checks signatures with.
const (
	fakeAccessKey = "AKIDTEST"
	fakeSecretKey = "fake-secret-key"
	fakeRegion    = "us-east-1"
)

// fakeAWS speaks the AWS JSON 1.1 protocol of Secrets Manager
// (GetSecretValue) and SSM (GetParameter) on one loopback server, as the
// real endpoints do: POST / with X-Amz-Target naming the operation, signed
// with SigV4, which it verifies by signing the request again.
type fakeAWS struct {
	*httptest.Server

	mu      sync.Mutex
	secrets map[string]string // id -> SecretString
	binary  map[string][]byte // id -> SecretBinary
	params  map[string]string // name -> value
	calls   map[string]int    // operation -> count
	down    bool              // answer every call with a 500
	token   string            // session token the signature must cover, if any
	// replies are answered, first to last, before anything else.
	replies []fakeReply
	// headers are the last request's headers, by operation.
	headers map[string]http.Header
	// skew is how far the fake's clock is ahead of ours: it sends it in
	// Date and refuses a signature more than 5 minutes off it, as AWS does.
	skew time.Duration
}

// fakeReply is a canned answer: an AWS error (typ) or a raw body.
type fakeReply struct {
	status int
	typ    string
	raw    string
}

func newFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{secrets: map[string]string{}, binary: map[string][]byte{}, params: map[string]string{},
		calls: map[string]int{}, headers: map[string]http.Header{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[target]++
	f.headers[target] = r.Header.Clone()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("req-%d", f.calls[target]))
	now := time.Now().Add(f.skew)
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	fail := func(status int, typ string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": "fake: " + typ})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		fail(http.StatusBadRequest, "UnrecognizedClientException")
		return
	}
	service, _, _ := strings.Cut(target, ".")
	service = map[string]string{"secretsmanager": "secretsmanager", "AmazonSSM": "ssm"}[service]
	if at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date")); err == nil && (now.Sub(at) > 5*time.Minute || at.Sub(now) > 5*time.Minute) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidSignatureException", "message": "Signature expired"})
		return
	}
	if err := f.verifySignature(r, body, service); err != nil {
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidSignatureException", "message": err.Error()})
		return
	}
	if len(f.replies) > 0 {
		rep := f.replies[0]
		f.replies = f.replies[1:]
		if rep.typ != "" {
			fail(rep.status, rep.typ)
		} else {
			w.WriteHeader(rep.status)
			_, _ = io.WriteString(w, rep.raw)
		}
		return
	}
	if f.down {
		fail(http.StatusInternalServerError, "InternalServiceError")
		return
	}
	switch target {
	case "secretsmanager.GetSecretValue":
		var in struct{ SecretId string }
		if err := json.Unmarshal(body, &in); err != nil {
			fail(http.StatusBadRequest, "InvalidRequestException")
			return
		}
		out := map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + in.SecretId,
			"Name": in.SecretId, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 946684800}
		if v, ok := f.secrets[in.SecretId]; ok {
			out["SecretString"] = v
		} else if b, ok := f.binary[in.SecretId]; ok {
			out["SecretBinary"] = b // encoding/json writes base64, as the service does
		} else {
			// What Secrets Manager sends: a shape id in __type.
			fail(http.StatusBadRequest, "com.amazonaws.secretsmanager#ResourceNotFoundException")
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	case "AmazonSSM.GetParameter":
		var in struct {
			Name           string
			WithDecryption bool
		}
		if err := json.Unmarshal(body, &in); err != nil {
			fail(http.StatusBadRequest, "ValidationException")
			return
		}
		v, ok := f.params[in.Name]
		if !ok {
			fail(http.StatusBadRequest, "ParameterNotFound")
			return
		}
		if !in.WithDecryption {
			v = "AQICAHencrypted-blob" // what SSM returns for a SecureString read without decryption
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "SecureString",
			"Value": v, "Version": 3, "ARN": "arn:aws:ssm:us-east-1:123456789012:parameter" + in.Name, "DataType": "text"}})
	default:
		fail(http.StatusBadRequest, "UnknownOperationException")
	}
}

// verifySignature signs the headers r says it signed again, with the
// fake's credentials, region and the service the target belongs to, and
// compares the result with r's Authorization header: what AWS does.
func (f *fakeAWS) verifySignature(r *http.Request, body []byte, service string) error {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || service == "" {
		return fmt.Errorf("not a SigV4 request for a known service")
	}
	_, signed, ok := strings.Cut(auth, "SignedHeaders=")
	if !ok {
		return fmt.Errorf("no SignedHeaders")
	}
	signed, _, _ = strings.Cut(signed, ",")
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("bad X-Amz-Date")
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for _, h := range strings.Split(signed, ";") {
		if h != "host" && h != "content-length" {
			req.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: fakeAccessKey, SecretAccessKey: fakeSecretKey, SessionToken: f.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, fakeRegion, at); err != nil {
		return err
	}
	if got := req.Header.Get("Authorization"); got != auth {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

func (f *fakeAWS) set(fn func(f *fakeAWS)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeAWS) count(target string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[target]
}

func (f *fakeAWS) header(target string) http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.headers[target]
}
