package emulator

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachecascade/cachecascade/prefix"
)

// ThresholdMode selects how a model's minimum cacheable size is applied to a
// request with several checkpoints.
type ThresholdMode int

const (
	// ThresholdCumulative (the default, and what current AWS docs and the
	// recordings show) compares each checkpoint's cumulative prefix — tools,
	// system and messages up to it — with the model's minimum.
	ThresholdCumulative ThresholdMode = iota
	// ThresholdPerCheckpoint is the older docs' reading ("your first cache
	// checkpoint can be defined after 1,024 tokens and your second cache
	// checkpoint can be defined after 2,048 tokens"), taken literally: the
	// Nth checkpoint of the request (1-based, counting every cachePoint in
	// tools → system → messages order) needs a cumulative prefix of at least
	// N × the minimum.
	ThresholdPerCheckpoint
)

// String returns the mode's flag spelling ("cumulative" or "per-checkpoint").
func (m ThresholdMode) String() string {
	if m == ThresholdPerCheckpoint {
		return "per-checkpoint"
	}
	return "cumulative"
}

// Defaults applied by New to zero Options fields.
const (
	DefaultCharsPerToken       = 4.0
	DefaultBlockOverheadTokens = 3
	DefaultMaxEntries          = 100000
	DefaultMaxBodyBytes        = 20 << 20
	DefaultLatency             = 2 * time.Millisecond
)

// Options configures an Emulator. The zero value is a healthy emulator with
// a manual clock starting at DefaultStart.
type Options struct {
	// Profiles names fault and benign profiles to apply (see Faults and
	// BenignProfiles). A mutation run selects one fault at a time.
	Profiles []string
	// Clock is the base clock; nil selects a manual clock at DefaultStart.
	// Advance adds to it in either case.
	Clock Clock
	// CharsPerToken is the tokenizer ratio; 0 selects DefaultCharsPerToken
	// (or 3.3 under the tokenizer-ratio profile).
	CharsPerToken float64
	// BlockOverheadTokens is added to every content block's size; 0 selects
	// DefaultBlockOverheadTokens and a negative value means none.
	BlockOverheadTokens int
	// Threshold selects how minimum sizes apply across several checkpoints.
	Threshold ThresholdMode
	// MaxEntries caps the number of cache entries; 0 selects
	// DefaultMaxEntries. A write into a full cache evicts the entry closest
	// to expiry (of equal expiries, the one written or last read first).
	MaxEntries int
	// MaxBodyBytes caps the request body; 0 selects DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxInflightBodyBytes bounds the body bytes of the runtime requests
	// being served at once: each reserves its declared length (MaxBodyBytes
	// when it declares none) before its body is read, and a request that
	// finds no room waits up to InflightWait, then is answered 429
	// ThrottlingException, as the service throttles. 0 selects
	// DefaultMaxInflightBodyBytes; a negative value means no bound.
	MaxInflightBodyBytes int64
	// InflightWait is how long a request waits for room under
	// MaxInflightBodyBytes; 0 selects DefaultInflightWait and a negative
	// value throttles at once.
	InflightWait time.Duration
	// BodyReadTimeout is how long a runtime request has, once its headers
	// are in, to deliver its whole body; a client that stalls or trickles
	// past it is answered 408 and its connection closed. 0 selects
	// DefaultBodyReadTimeout; a negative value means no limit.
	BodyReadTimeout time.Duration
	// DeterministicRequestIDs derives x-amzn-RequestId from the number of
	// requests served, so that every run repeats the same IDs (for tests);
	// by default each is a random UUID (version 4), as the service's are.
	DeterministicRequestIDs bool
	// AdminOpen lets clients on other hosts use the /_emulator/ endpoints;
	// by default they answer 403 to any client not on a loopback address.
	AdminOpen bool
	// Latency is the delay the latency profile adds; 0 selects DefaultLatency.
	Latency time.Duration
	// Models are added to the built-in model table (see BuiltinModels); one
	// with the base ID of a built-in model replaces it.
	Models []ModelSpec
	// ModelsFile names a models file (see LoadModels) whose models New adds
	// after Models; "" reads none.
	ModelsFile string
	// Region is the region requests must be signed for (and short-term API
	// keys minted for); "" selects DefaultRegion.
	Region string
	// NoAccess lists base model IDs the caller has no access to: every
	// call to one of them, by any of its IDs, answers 403
	// AccessDeniedException, as the service answers an account that was
	// not granted the model (or an identity whose policy does not allow
	// it). A pre-flight's model check is tested this way.
	NoAccess []string
	// ServeEndOfLife serves the models past their end of life as they were
	// served before it, with their table entry's family, minimums and
	// prefixes, and lists their system-defined profiles again; by default
	// every call to one answers 404 ResourceNotFoundException, as the
	// service does. It exists to re-record the cassettes of those models
	// (recorded history) against the emulator; the service itself can no
	// longer answer them.
	ServeEndOfLife bool
	// Credentials maps access key IDs to secret access keys whose SigV4
	// signatures (and short-term API keys) the emulator verifies, besides
	// BuiltinCredentials. A key it holds no secret for is accepted with its
	// structure, scope and clock skew checked, unless StrictCredentials.
	Credentials map[string]string
	// CredentialsFile names an AWS shared credentials file (see
	// LoadCredentials) whose key pairs New adds after Credentials; "" reads
	// none.
	CredentialsFile string
	// StrictCredentials answers a key the emulator holds no secret for
	// with 403 UnrecognizedClientException, as the service answers an
	// unknown key.
	StrictCredentials bool
	// AuthClock is the clock signing times and API-key expiry are checked
	// against (within 5 minutes); nil selects the system clock. It is the
	// client's kind of time, so neither Clock nor Advance moves it.
	AuthClock Clock
	// NoiseSeed seeds the noise profiles (routing, extra-writes, drift and
	// random-evictions): a request meets the same noise on every run with
	// the same seed, whatever order the requests arrive in. Two runs with
	// different seeds differ as two days of the service do.
	NoiseSeed uint64
	// Regions are the weights of the Regions the routing profile lands a
	// call through an inference profile in (the first is the home Region,
	// where in-Region IDs land); empty selects DefaultRegionWeights.
	Regions []float64
	// ExtraWriteOdds is the extra-writes profile's chance, one in
	// ExtraWriteOdds, that a lookup that would hit finds its entry gone; 0
	// selects DefaultExtraWriteOdds.
	ExtraWriteOdds int
}

// Emulator is an http.Handler speaking the Bedrock runtime Converse and
// ConverseStream APIs with the service's prompt-caching semantics. It is safe
// for concurrent use.
type Emulator struct {
	opts   Options
	faults map[string]bool
	// draws counts, under mu, how many times each request has drawn from
	// the noise profiles (see draw).
	draws map[drawKey]uint64
	// models is the model table keyed by base ID; it never changes after New.
	models map[string]*modelSpec
	// noAccess holds the base IDs of Options.NoAccess.
	noAccess map[string]bool
	tok      tokenizer
	base     Clock
	seq      atomic.Uint64
	limits   bodyLimits

	auth authConfig

	mu     sync.Mutex
	offset time.Duration
	cache  entryStore
}

// New returns an emulator configured by opts, or an error naming an unknown
// profile or an invalid option.
func New(opts Options) (*Emulator, error) {
	e := &Emulator{faults: map[string]bool{}, cache: newEntryStore(), draws: map[drawKey]uint64{}}
	for _, name := range opts.Profiles {
		if _, ok := LookupProfile(name); !ok {
			return nil, fmt.Errorf("emulator: unknown profile %q (see emulator.Faults and emulator.BenignProfiles)", name)
		}
		e.faults[name] = true
	}
	if opts.CharsPerToken < 0 || opts.CharsPerToken != opts.CharsPerToken {
		return nil, fmt.Errorf("emulator: CharsPerToken must be positive, got %v", opts.CharsPerToken)
	}
	if opts.CharsPerToken == 0 {
		opts.CharsPerToken = DefaultCharsPerToken
		if e.faults[BenignTokenizerRatio] {
			opts.CharsPerToken = benignCharsPerToken
		}
	}
	switch {
	case opts.BlockOverheadTokens == 0:
		opts.BlockOverheadTokens = DefaultBlockOverheadTokens
	case opts.BlockOverheadTokens < 0:
		opts.BlockOverheadTokens = 0
	}
	if opts.Threshold != ThresholdCumulative && opts.Threshold != ThresholdPerCheckpoint {
		return nil, fmt.Errorf("emulator: unknown threshold mode %d", opts.Threshold)
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Latency <= 0 {
		opts.Latency = DefaultLatency
	}
	if opts.Clock == nil {
		opts.Clock = NewManualClock(DefaultStart)
	}
	if err := e.initNoise(&opts); err != nil {
		return nil, err
	}
	models, err := loadTable(opts)
	if err != nil {
		return nil, err
	}
	if e.auth, err = newAuthConfig(&opts); err != nil {
		return nil, err
	}
	e.models = models
	for _, id := range opts.NoAccess {
		if _, ok := models[id]; !ok {
			return nil, fmt.Errorf("emulator: NoAccess names %q, which is not a base model ID of the model table", id)
		}
		if e.noAccess == nil {
			e.noAccess = map[string]bool{}
		}
		e.noAccess[id] = true
	}
	e.opts = opts
	e.initLimits()
	e.base = opts.Clock
	e.tok = tokenizer{charsPerToken: opts.CharsPerToken, blockOverhead: opts.BlockOverheadTokens}
	return e, nil
}

// loadTable builds the model table opts asks for: the built-in one plus
// Models and the models of ModelsFile.
func loadTable(opts Options) (map[string]*modelSpec, error) {
	extra := slices.Clone(opts.Models)
	if opts.ModelsFile != "" {
		fromFile, err := LoadModels(opts.ModelsFile)
		if err != nil {
			return nil, err
		}
		extra = append(extra, fromFile...)
	}
	models, err := modelTable(extra)
	if err != nil {
		return nil, fmt.Errorf("emulator: Options.Models and ModelsFile: %w", err)
	}
	return models, nil
}

// Options returns the emulator's options with defaults filled in.
func (e *Emulator) Options() Options {
	o := e.opts
	o.Profiles = append([]string(nil), o.Profiles...)
	o.Models = slices.Clone(o.Models)
	o.Credentials = maps.Clone(o.Credentials)
	o.Regions = slices.Clone(o.Regions)
	return o
}

// Clock returns the emulator's clock: the base clock plus every Advance.
func (e *Emulator) Clock() Clock { return emulatorClock{e} }

// Advance moves the emulator's time forward by d, so entries expire without
// sleeping.
func (e *Emulator) Advance(d time.Duration) {
	if d <= 0 {
		return // time only moves forward
	}
	e.mu.Lock()
	e.offset += min(d, maxAdvance)
	e.mu.Unlock()
}

// maxAdvance bounds one move of the clock, so that repeated moves cannot
// overflow it.
const maxAdvance = 10000 * time.Hour

// Reset drops every cache entry (time is left where it is).
func (e *Emulator) Reset() {
	e.mu.Lock()
	e.cache = newEntryStore()
	e.mu.Unlock()
}

// Len returns the number of cache entries held, expired ones not yet swept
// included.
func (e *Emulator) Len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cache.len()
}

func (e *Emulator) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nowLocked()
}

func (e *Emulator) nowLocked() time.Time { return e.base.Now().Add(e.offset) }

func (e *Emulator) fault(name string) bool { return e.faults[name] }

// ServeHTTP answers the runtime operations under /model/{modelId}/
// (converse, converse-stream, invoke, invoke-with-response-stream and
// count-tokens), the control plane's GET /inference-profiles (see
// controlplane.go), plus the /_emulator/ admin endpoints (see the package
// documentation).
//
// Header names go out spelled as the service spells them (see wireWriter).
// A runtime POST first reserves room for its body (see
// Options.MaxInflightBodyBytes) and then has Options.BodyReadTimeout to
// send it.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{w: wireWriter{ResponseWriter: w}}
	reqID := e.requestID()
	defer e.recoverInternal(&x.w, reqID)
	switch {
	case strings.HasPrefix(r.URL.Path, "/_emulator/"):
		e.serveAdmin(&x.w, r)
	case r.URL.Path == pathInferenceProfiles:
		e.serveListInferenceProfiles(&x.w, r, reqID)
	default:
		if r.Method == http.MethodPost {
			n, aerr := e.reserveBody(r)
			if aerr != nil {
				drainBody(e.timeBody(x, w, r))
				writeError(&x.w, reqID, aerr)
				return
			}
			defer e.releaseReservation(n)
			r = e.timeBody(x, w, r)
		}
		e.serveRuntime(&x.w, r, reqID)
	}
}

// recoverInternal, deferred, answers a panic as the service answers its
// own bugs: a 500 InternalServerException.
func (e *Emulator) recoverInternal(w http.ResponseWriter, reqID string) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		writeError(w, reqID, &apiError{status: http.StatusInternalServerError, code: "InternalServerException",
			message: fmt.Sprintf("emulator bug: %v", v), ns: nsBedrock})
	}
}

// runtimeOps are the operations served under POST /model/{modelId}/.
var runtimeOps = map[string]bool{
	"converse": true, "converse-stream": true, opInvoke: true, opInvokeStream: true, opCountTokens: true,
}

// errUnknownOperation is the front door's answer to a path or method no
// operation has (see msgUnknownOperation for its source).
func errUnknownOperation() *apiError {
	return &apiError{status: http.StatusNotFound, code: "UnknownOperationException",
		message: msgUnknownOperation, ns: nsCoral, body: bodyUnknownOperation}
}

// serveRuntime answers the Bedrock runtime operations.
func (e *Emulator) serveRuntime(w http.ResponseWriter, r *http.Request, reqID string) {
	modelID, op, ok := splitModelPath(r.URL.EscapedPath())
	if !ok || r.Method != http.MethodPost || !runtimeOps[op] {
		writeError(w, reqID, errUnknownOperation())
		return
	}
	account, checkBody, aerr := e.authenticate(r)
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	body, aerr := e.readBody(r)
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	defer releaseBody(body)
	if checkBody != nil {
		if aerr := checkBody(body); aerr != nil {
			writeError(w, reqID, aerr)
			return
		}
	}
	switch op {
	case opInvoke, opInvokeStream:
		e.serveInvoke(w, reqID, account, modelID, body, op == opInvokeStream)
	case opCountTokens:
		e.serveCountTokens(w, reqID, modelID, body)
	default:
		e.serveConverse(w, reqID, account, modelID, body, op == "converse-stream")
	}
}

// serveConverse answers Converse and ConverseStream.
func (e *Emulator) serveConverse(w http.ResponseWriter, reqID, account, modelID string, body []byte, stream bool) {
	out, aerr := e.converse(account, modelID, body)
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	if e.fault(BenignLatency) {
		time.Sleep(e.opts.Latency)
		out.latencyMs += int(e.opts.Latency / time.Millisecond)
	}
	if stream {
		e.writeStream(w, reqID, out)
		return
	}
	e.writeConverse(w, reqID, out)
}

// readBody reads the request body, up to MaxBodyBytes. A body of known
// length up to maxPooledBody is read into a pooled buffer, which the caller
// hands back with releaseBody once nothing refers to it; a larger one
// grows as it arrives, so that a declared length alone allocates nothing.
func (e *Emulator) readBody(r *http.Request) ([]byte, *apiError) {
	max := e.opts.MaxBodyBytes
	if r.ContentLength > max {
		return nil, tooLarge(r.ContentLength, max)
	}
	if r.ContentLength >= 0 && r.ContentLength <= maxPooledBody {
		body := pooledBody(int(r.ContentLength))
		if _, err := io.ReadFull(r.Body, body); err != nil {
			releaseBody(body)
			return nil, bodyError(err)
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if int64(len(body)) > max {
		return nil, tooLarge(int64(len(body)), max)
	}
	return body, nil
}

// maxPooledBody is the largest body buffer kept for reuse.
const maxPooledBody = 1 << 20

// bodyPool holds body buffers (*[]byte) for reuse.
var bodyPool sync.Pool

// pooledBody returns a buffer of n bytes, from the pool when it has one
// large enough.
func pooledBody(n int) []byte {
	if p, ok := bodyPool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n, max(n, 16<<10))
}

// releaseBody hands a body buffer back to the pool; the request and
// everything decoded from it must be done with it.
func releaseBody(b []byte) {
	if cap(b) > maxPooledBody || cap(b) < 16<<10 {
		return
	}
	bodyPool.Put(&b)
}

// tooLarge is the answer to a body over MaxBodyBytes: status 413 with a
// ValidationException type, so SDKs decode it as a validation error.
func tooLarge(n, max int64) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: "ValidationException",
		message: fmt.Sprintf("Request body too large: %d bytes exceeds the limit of %d bytes.", n, max), ns: nsBedrock}
}

// result is everything a Converse or ConverseStream response reports.
type result struct {
	spec       *modelSpec
	text       string
	words      []string
	stopReason string
	input      int
	output     int
	cache      cacheResult
	latencyMs  int
	seed       [32]byte
}

// converse runs one request through validation, the cache and the reply
// generator.
func (e *Emulator) converse(account, modelID string, body []byte) (*result, *apiError) {
	spec, aerr := e.resolveModel(modelID)
	if aerr != nil {
		return nil, aerr
	}
	req, aerr := e.decodeConverse(body)
	if aerr != nil {
		return nil, aerr
	}
	req.viaProfile = viaProfile(modelID)
	return e.run(account, spec, req, body)
}

// run applies the model's checkpoint rules, the cache and the reply
// generator to a decoded request, whichever API it came through: Converse's
// and InvokeModel's bodies decode to the same request, so they share the
// cache engine and every fault profile.
func (e *Emulator) run(account string, spec *modelSpec, req *request, body []byte) (*result, *apiError) {
	if aerr := e.checkForModel(spec, req); aerr != nil {
		return nil, aerr
	}
	p := computePrefix(req, spec, e.tok, e.prefixFaults())
	e.applyDrift(spec, req, &p)
	if p.prompt > spec.contextTokens {
		return nil, errValidation(msgTooLong)
	}
	e.mu.Lock()
	now := e.nowLocked()
	cr := e.applyCache(account, spec, req, p, now)
	e.mu.Unlock()

	res := &result{spec: spec, cache: cr}
	res.input = p.prompt - cr.read - cr.write
	if e.fault(NoiseExtraInputTokens) {
		res.input += extraInputTokens
	}
	res.seed = replySeed(spec.id, body)
	res.words, res.stopReason = e.reply(res.seed, req.maxTokens)
	res.text = strings.Join(res.words, " ")
	res.output = len(res.words)
	res.latencyMs = 180 + 9*res.output + p.prompt/500
	return res, nil
}

// replySeed is the digest the reply is derived from: of the model's base
// ID, a NUL byte and the body.
func replySeed(model string, body []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write(body)
	var seed [32]byte
	h.Sum(seed[:0])
	return seed
}

// checkForModel applies every rule that depends on the model to a decoded
// request: the request rules (request.checkForModel), then the checkpoint
// rules. Every operation that takes a request (Converse, InvokeModel, their
// streams, CountTokens) applies it.
func (e *Emulator) checkForModel(spec *modelSpec, req *request) *apiError {
	if aerr := req.checkForModel(spec); aerr != nil {
		return aerr
	}
	return e.validateForModel(spec, req)
}

// validateForModel applies the model-specific checkpoint rules.
func (e *Emulator) validateForModel(spec *modelSpec, r *request) *apiError {
	cps := r.checkpoints
	if len(cps) == 0 {
		return nil
	}
	if !spec.caching {
		return errValidation(msgUnsupportedCaching)
	}
	if !spec.toolCheckpoints && !e.fault(FaultNovaAcceptsToolCheckpoints) {
		for _, cp := range cps {
			if cp.layer == prefix.Tools {
				return errValidationf(msgNovaToolCheckpoint, cp.listIndex)
			}
		}
	}
	if len(cps) > spec.maxCheckpoints && !e.fault(FaultCheckpointLimitNotEnforced) {
		return errValidationf(msgTooManyCheckpoints, spec.maxCheckpoints, len(cps))
	}
	for i, cp := range cps {
		if !cp.explicitTTL {
			continue
		}
		if spec.family == "nova" {
			if cp.ttl == "1h" {
				if !e.fault(FaultNovaAcceptsOneHour) {
					return errValidation(msgNovaExtendedTTL)
				}
				// The fault accepts it as the 5m checkpoint Nova does
				// have (Nova has no 1h tier), so that it changes only
				// whether the request is accepted: kept as 1h, it would
				// also meet the TTL-order check below, Anthropic's rule.
				cps[i].ttl = "5m"
			}
		} else if !spec.ttl1h {
			return errValidation(msgExtraInputs)
		}
		if spec.rejectsExplicitTTL {
			return errValidation(msgExplicitTTL)
		}
	}
	if e.fault(FaultTTLOrderNotEnforced) {
		return nil // each checkpoint is cached for its own TTL
	}
	seen5m := false
	for _, cp := range cps {
		if cp.ttl == "5m" {
			seen5m = true
		} else if seen5m {
			return errValidationf(msgTTLOrder, cp.location())
		}
	}
	return nil
}

var replyWords = strings.Fields(`the cache holds a prefix of tools system and messages
	each checkpoint names one entry which lives five minutes unless read again
	a change early in the prompt invalidates every later layer while earlier
	layers still hit so the verifier compares reads and writes across calls`)

var otherReplyWords = strings.Fields(`alpha bravo charlie delta echo foxtrot golf hotel india
	juliett kilo lima mike november oscar papa quebec romeo sierra tango uniform`)

// reply derives the reply deterministically from the request: the same
// request always gets the same text, whatever the cache did.
func (e *Emulator) reply(seed [32]byte, maxTokens int) ([]string, string) {
	words, n := replyWords, 4+int(seed[0]%9)
	if e.fault(BenignOtherReplyText) {
		words, n = otherReplyWords, 7+int(seed[1]%13)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = words[(int(seed[(i+2)%32])+i*7)%len(words)]
	}
	out[n-1] += "."
	stop := "end_turn"
	if maxTokens > 0 && n > maxTokens {
		out = out[:maxTokens]
		stop = "max_tokens"
	}
	return out, stop
}

// serveAdmin answers the /_emulator/ endpoints, to loopback clients only
// unless Options.AdminOpen.
func (e *Emulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	type errBody struct {
		Error string `json:"error"`
	}
	if !e.adminAllowed(r.RemoteAddr) {
		reply(http.StatusForbidden, errBody{"admin endpoints answer loopback clients only; start the emulator with -admin-open (Options.AdminOpen) to allow " + r.RemoteAddr})
		return
	}
	switch r.URL.Path {
	case "/_emulator/clock/advance":
		if r.Method != http.MethodPost {
			reply(http.StatusMethodNotAllowed, errBody{"use POST"})
			return
		}
		d, err := time.ParseDuration(r.URL.Query().Get("by"))
		if err != nil || d < 0 || d > maxAdvance {
			reply(http.StatusBadRequest, errBody{"by: want a non-negative Go duration up to 10000h, such as 5m or 90s"})
			return
		}
		e.Advance(d)
		reply(http.StatusOK, map[string]string{"now": e.now().Format(time.RFC3339Nano)})
	case "/_emulator/clock":
		reply(http.StatusOK, map[string]string{"now": e.now().Format(time.RFC3339Nano)})
	case "/_emulator/reset":
		if r.Method != http.MethodPost {
			reply(http.StatusMethodNotAllowed, errBody{"use POST"})
			return
		}
		e.Reset()
		reply(http.StatusOK, map[string]bool{"reset": true})
	case "/_emulator/profiles":
		reply(http.StatusOK, map[string]any{"faults": Faults(), "benign": BenignProfiles(), "noise": NoiseProfiles(), "active": e.opts.Profiles})
	case "/_emulator/stats":
		reply(http.StatusOK, map[string]int64{"entries": int64(e.Len()), "inflightBodyBytes": e.limits.held.Load()})
	default:
		reply(http.StatusNotFound, errBody{"unknown admin endpoint; see /_emulator/{clock,clock/advance,reset,profiles,stats}"})
	}
}
