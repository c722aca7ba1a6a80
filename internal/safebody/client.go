package safebody

import "net/http"

// Doer is an HTTP client as the AWS SDK sees one (aws.HTTPClient): the
// client its configuration builds carries AWS_CA_BUNDLE, the proxy settings
// and the timeouts, so code that adds a transport wraps it rather than
// replacing it.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Sender is an http.RoundTripper that sends through a Doer, so that a
// transport can wrap the client the SDK configured.
type Sender struct{ Client Doer }

// RoundTrip sends r through the wrapped client.
func (s Sender) RoundTrip(r *http.Request) (*http.Response, error) { return s.Client.Do(r) }

// Client is a Doer that sends through an http.RoundTripper, the shape the
// SDK's HTTPClient option takes.
type Client struct{ Transport http.RoundTripper }

// Do sends r through the transport.
func (c Client) Do(r *http.Request) (*http.Response, error) { return c.Transport.RoundTrip(r) }

// Wrap returns c with the race workaround of Transport in front of it.
func Wrap(c Doer) Doer { return Client{Transport{Base: Sender{c}}} }
