package safebody_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/cachecascade/cachecascade/internal/safebody"
)

// recordingDoer keeps the request it was asked to send.
type recordingDoer struct{ got *http.Request }

func (d *recordingDoer) Do(r *http.Request) (*http.Response, error) {
	d.got = r
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

func TestWrapSendsThroughTheConfiguredClientWithAPlainBody(t *testing.T) {
	d := &recordingDoer{}
	req, err := http.NewRequest("POST", "http://example.invalid/", bytes.NewReader([]byte("body")))
	if err != nil {
		t.Fatal(err)
	}
	req.Body = struct { // what smithy-go hands net/http: a body that is also a WriterTo
		io.ReadCloser
		io.WriterTo
	}{io.NopCloser(bytes.NewReader([]byte("body"))), bytes.NewReader(nil)}
	if _, err := safebody.Wrap(d).Do(req); err != nil {
		t.Fatal(err)
	}
	if d.got == nil {
		t.Fatal("Expected\n<nil>\nto be the request sent through the configured client")
	}
	if _, ok := d.got.Body.(io.WriterTo); ok {
		t.Errorf("Expected\n%T\nnot to implement io.WriterTo once wrapped", d.got.Body)
	}
}
