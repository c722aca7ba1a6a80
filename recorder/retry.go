package recorder

import (
	"crypto/tls"
	"errors"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// ReplayRetryer returns the retryer of replayed clients: the SDK's standard
// retryer with no backoff and no retry quota, which never retries a
// cassette miss or a corrupt recorded response (*CassetteError). A miss fails at once instead of after three attempts
// with backoff (about 3.3 s), while a recorded throttle-then-success still
// replays, each attempt being its own interaction.
func ReplayRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		o.RateLimiter = ratelimit.None
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			var ce *CassetteError
			if errors.Is(err, cassette.ErrInteractionNotFound) || errors.As(err, &ce) {
				return aws.FalseTernary
			}
			return aws.UnknownTernary
		})}, o.Retryables...)
	})
}

// TargetRetryer returns the retryer of record and live clients: the SDK's
// adaptive mode, which backs off and rate-limits itself client-side when
// Bedrock throttles, with maxAttempts attempts per call (the SDK default
// when zero or less). A refused connection or a certificate that does not
// verify is not retried (see notRetried).
func TargetRetryer(maxAttempts int) aws.Retryer {
	r := aws.Retryer(retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(notRetried)}, so.Retryables...)
		})
	}))
	if maxAttempts > 0 {
		r = retry.AddWithMaxAttempts(r, maxAttempts)
	}
	return r
}

// notRetried marks as not retryable the errors no retry within a call
// fixes: nothing listening at the endpoint (the SDK retries a refused
// connection, costing seconds of backoff on every call against a closed
// port) and a server certificate that does not verify.
func notRetried(err error) aws.Ternary {
	var cert *tls.CertificateVerificationError
	if errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &cert) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
