package secrets

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeAWS speaks the AWS JSON 1.1 protocol of Secrets Manager
// (GetSecretValue) and SSM (GetParameter) on one loopback server, as the
// real endpoints do: POST / with X-Amz-Target naming the operation.
type fakeAWS struct {
	*httptest.Server

	mu      sync.Mutex
	secrets map[string]string // id -> SecretString
	params  map[string]string // name -> value
	calls   map[string]int    // operation -> count
	down    bool              // answer every call with a 500
}

func newFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{secrets: map[string]string{}, params: map[string]string{}, calls: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[target]++
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(status int, typ string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": "fake: " + typ})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		fail(http.StatusBadRequest, "UnrecognizedClientException")
		return
	}
	if f.down {
		fail(http.StatusInternalServerError, "InternalServiceError")
		return
	}
	switch target {
	case "secretsmanager.GetSecretValue":
		var in struct{ SecretId string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(http.StatusBadRequest, "InvalidRequestException")
			return
		}
		v, ok := f.secrets[in.SecretId]
		if !ok {
			fail(http.StatusBadRequest, "ResourceNotFoundException")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + in.SecretId,
			"Name": in.SecretId, "SecretString": v, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 946684800})
	case "AmazonSSM.GetParameter":
		var in struct {
			Name           string
			WithDecryption bool
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
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
