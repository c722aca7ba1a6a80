package safebody_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/cachecascade/cachecascade/internal/safebody"
)

// writerToBody is a body with WriteTo, as smithy-go's is.
type writerToBody struct{ *bytes.Reader }

func (writerToBody) Close() error { return nil }

type capture struct{ body io.ReadCloser }

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.body = r.Body
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

func TestTransportHidesWriteTo(t *testing.T) {
	base := &capture{}
	req, _ := http.NewRequest("POST", "http://127.0.0.1/", nil)
	req.Body = writerToBody{bytes.NewReader([]byte("payload"))}
	if _, err := (safebody.Transport{Base: base}).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if _, ok := base.body.(io.WriterTo); ok {
		t.Error("the body still has WriteTo")
	}
	if b, _ := io.ReadAll(base.body); string(b) != "payload" {
		t.Errorf("body = %q", b)
	}
	if _, ok := req.Body.(io.WriterTo); !ok {
		t.Error("the caller's request was changed")
	}
}
