package emulator

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"time"

	"github.com/cachecascade/cachecascade/internal/safebody"
)

// ServerOptions configures Start beyond the emulator itself.
type ServerOptions struct {
	// Addr is the listen address; "" selects 127.0.0.1:0 (a free port).
	Addr string
	// TLS serves HTTPS with a fresh self-signed certificate for 127.0.0.1,
	// ::1 and localhost (bearer-token clients refuse plain HTTP).
	TLS bool
}

// Protocols returns the protocols a Server speaks: HTTP/1.1, HTTP/2 over
// TLS (ALPN offers "h2" and "http/1.1") and HTTP/2 over cleartext with
// prior knowledge (h2c), which is how the AWS SDK for JavaScript v3's
// default HTTP/2 handler talks to an http:// endpoint.
func Protocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

// Server is an Emulator listening on an address (loopback unless
// ServerOptions.Addr says otherwise), speaking the Protocols.
type Server struct {
	// Emulator is the handler being served; use it to Advance or Reset.
	*Emulator

	srv     *http.Server
	ln      net.Listener
	url     string
	certPEM []byte
	done    chan struct{}
}

// Start serves a new emulator configured by opts on 127.0.0.1 at a free port.
func Start(opts Options) (*Server, error) {
	return StartServer(opts, ServerOptions{})
}

// StartServer serves a new emulator configured by opts as sopts says.
func StartServer(opts Options, sopts ServerOptions) (*Server, error) {
	emu, err := New(opts)
	if err != nil {
		return nil, err
	}
	addr := sopts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen %s: %w", addr, err)
	}
	s := &Server{
		Emulator: emu,
		srv:      &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second, Protocols: Protocols()},
		ln:       ln,
		done:     make(chan struct{}),
	}
	scheme := "http"
	if sopts.TLS {
		cert, certPEM, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.certPEM = certPEM
		s.ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			NextProtos: []string{"h2", "http/1.1"}})
		scheme = "https"
	}
	s.url = scheme + "://" + ln.Addr().String()
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under us; Close reports nothing more useful
		}
	}()
	return s, nil
}

// URL returns the base URL to use as the SDK's BaseEndpoint (or
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME), e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// CertPEM returns the PEM-encoded self-signed certificate of a TLS server
// (nil without TLS); write it to a file named by AWS_CA_BUNDLE to trust it.
func (s *Server) CertPEM() []byte { return s.certPEM }

// HTTPClient returns an HTTP client for the SDK's HTTPClient option that
// trusts the server's certificate and works around a client-side race (see
// SafeBodyTransport) that a server answering as fast as this one triggers.
func (s *Server) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if s.certPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.certPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: SafeBodyTransport{Base: tr}}
}

// SafeBodyTransport works around a race between smithy-go and net/http
// that a server answering as fast as this one triggers (see
// safebody.Transport).
type SafeBodyTransport = safebody.Transport

// Close stops the server, waiting up to five seconds for requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// selfSigned makes an ECDSA certificate for the loopback names, valid for a
// day.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "cachecascade bedrock emulator"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, err
}
