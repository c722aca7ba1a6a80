package discovery_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/cachecascade/cachecascade/discovery"
	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// TestDiscoverMeasuresTheService runs discovery against an emulator that
// behaves differently from the hidden model's description (a fault
// profile) or tokenizes differently (a benign one): what discovery reports
// follows the service, not the description.
func TestDiscoverMeasuresTheService(t *testing.T) {
	claude, nova := hiddenModels[0], hiddenModels[2]
	for _, c := range []struct {
		profile string
		model   hidden
		want    func(measured, int) (measured, int)
	}{
		{emulator.BenignTokenizerRatio, claude, func(m measured, min int) (measured, int) { return m, min }},
		{emulator.FaultThresholdOff, claude, func(m measured, min int) (measured, int) { return m, min - 300 }},
		{emulator.FaultNoLookback, claude, func(m measured, min int) (measured, int) { m.LookBackBlocks = 0; return m, min }},
		{emulator.FaultCheckpointLimitNotEnforced, nova, func(m measured, min int) (measured, int) { m.MaxCheckpoints = 8; return m, min }},
		{emulator.FaultNovaAcceptsToolCheckpoints, nova, func(m measured, min int) (measured, int) {
			m.Cacheable = []prefix.Layer{prefix.Tools, prefix.System, prefix.Messages}
			return m, min
		}},
	} {
		t.Run(c.profile, func(t *testing.T) {
			t.Parallel()
			client := startEmulator(t, []hidden{c.model}, c.profile)
			r := discovery.Discover(context.Background(), client, c.model.ask, discovery.Options{})
			if r.Entry == nil {
				t.Fatalf("no entry: status %v, failure %q", r.Status(), r.Failure)
			}
			want, wantMin := c.want(expected(c.model.spec), c.model.spec.MinTokens)
			if diff := cmp.Diff(want, measuredOf(*r.Entry)); diff != "" {
				t.Errorf("measured fields (-service +discovered):\n%s", diff)
			}
			if got := r.Entry.MinTokens; math.Abs(float64(got-wantMin)) > 0.02*float64(wantMin) {
				t.Errorf("minTokens %d, the service's %d", got, wantMin)
			}
			checkBounds(t, r, false)
		})
	}
}

// scripted is a Client whose every call fails with err after the first
// ok calls (Converse and CountTokens together); with panicking set it
// panics instead.
type scripted struct {
	ok, calls int
	err       error
	panicking bool
	real      discovery.Client
}

func (s *scripted) Converse(ctx context.Context, in *bedrockruntime.ConverseInput, o ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error) {
	s.calls++
	if s.calls <= s.ok {
		return s.real.Converse(ctx, in, o...)
	}
	if s.panicking {
		panic("client bug")
	}
	return nil, s.err
}

func (s *scripted) InvokeModel(ctx context.Context, in *bedrockruntime.InvokeModelInput, o ...func(*bedrockruntime.Options)) (*bedrockruntime.InvokeModelOutput, error) {
	s.calls++
	if s.calls <= s.ok {
		return s.real.InvokeModel(ctx, in, o...)
	}
	return nil, s.err
}

func (s *scripted) CountTokens(ctx context.Context, in *bedrockruntime.CountTokensInput, o ...func(*bedrockruntime.Options)) (*bedrockruntime.CountTokensOutput, error) {
	s.calls++
	if s.calls <= s.ok {
		return s.real.CountTokens(ctx, in, o...)
	}
	return nil, s.err
}

func TestDiscoverStopsOnErrorsWithAHint(t *testing.T) {
	real := startEmulator(t, hiddenModels[:1])
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Too many requests, please wait before trying again."}
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "You don't have access to the model with the specified model ID."}
	for _, c := range []struct {
		name string
		s    *scripted
		want string
	}{
		{"throttled at once", &scripted{err: throttled}, "throttled beyond the SDK's retries"},
		{"throttled while measuring the minimum", &scripted{ok: 17, err: throttled}, "minimum: call"},
		{"no model access", &scripted{err: denied}, "enable the model"},
		{"unreachable", &scripted{err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}, "could not be reached"},
		{"a client that panics", &scripted{ok: 3, panicking: true}, "internal error: client bug"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.s.real = real
			r := discovery.Discover(context.Background(), c.s, hiddenModels[0].ask, discovery.Options{})
			if r.Status() != discovery.Failed || !strings.Contains(r.Failure, c.want) {
				t.Errorf("status %v, failure %q; want failed, saying %q", r.Status(), r.Failure, c.want)
			}
			t.Logf("failure: %s", r.Failure)
			if len(r.Calls) == 0 {
				t.Errorf("no call recorded")
			}
		})
	}
}

// TestPartialEntry: a measurement that stops after the cache check still
// says the model caches and prints what it measured.
func TestPartialEntry(t *testing.T) {
	real := startEmulator(t, hiddenModels[:1])
	s := &scripted{ok: 17, real: real, err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}}
	r := discovery.Discover(context.Background(), s, hiddenModels[0].ask, discovery.Options{})
	if !r.Caches || r.Entry == nil || r.Entry.Family != matrix.Claude {
		t.Fatalf("caches %v, entry %v", r.Caches, r.Entry)
	}
	if r.Entry.MinTokens != 0 {
		t.Errorf("minTokens %d from a search that was cut short", r.Entry.MinTokens)
	}
}
