package forecast

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// Options configures Check.
type Options struct {
	// Catalog is the model catalog; nil selects matrix.Default().
	Catalog *matrix.Catalog
}

// digest identifies a prefix (or a block) by its exact bytes.
type digest = [32]byte

// Check predicts what the cache does with reqs, in order. Requests share
// cache entries only within a sequence (Request.Sequence), an account and a
// model. It fails, naming the request's source and the JSON path, only on a
// body it cannot take apart; everything else is a finding.
func Check(reqs []Request, opts Options) (*Report, error) {
	c := newChecker(opts)
	for i := range reqs {
		if err := c.add(&reqs[i]); err != nil {
			return nil, fmt.Errorf("%s: body: %w", reqs[i].Source, err)
		}
	}
	c.finish()
	return c.rep, nil
}

// checker is the state of one Check.
type checker struct {
	cat    *matrix.Catalog
	rep    *Report
	scopes map[scopeKey]*scope
	order  []*scope
	// prompts holds every request's parsed body (nil when not parsed), by
	// request index, for explanations.
	prompts []*prompt
	digests [][]digest
	stable  stability
	noted   map[string]bool
	// pending is the source of the request being added.
	pending string
	timed   bool
	untimed bool
}

func newChecker(opts Options) *checker {
	cat := opts.Catalog
	if cat == nil {
		cat = matrix.Default()
	}
	return &checker{cat: cat, rep: &Report{}, scopes: map[scopeKey]*scope{}, noted: map[string]bool{}, stable: newStability()}
}

// scopeKey names where cache entries are shared.
type scopeKey struct{ sequence, account, model string }

// scope is the cache of one sequence, account and model.
type scope struct {
	model  matrix.Model
	est    Estimate
	prices matrix.Prices
	// entries maps a prefix digest to its latest entry; all lists every
	// entry written, for the unread-write account.
	entries map[digest]*entry
	all     []*entry
	// known maps every prefix an earlier request sent, at every block
	// boundary through the end of what it read or wrote, to the latest
	// such request; extent is that end, by request.
	known    map[digest]int
	extent   map[int]int
	last     int
	now      time.Time
	timed    bool
	requests int
}

// entry is one cache entry: a prefix ending at a checkpoint.
type entry struct {
	boundary int
	expires  time.Time
	ttl      time.Duration
	req      int
	path     string
	segment  int
	usd      float64
	read     bool
	lastUse  time.Time
}

// add predicts one request.
func (c *checker) add(req *Request) error {
	idx := len(c.rep.Requests)
	res := RequestResult{Source: req.Source, ModelID: req.ModelID, Operation: req.Operation, Account: req.Account, Time: req.Time}
	c.pending = req.Source
	c.prompts = append(c.prompts, nil)
	c.digests = append(c.digests, nil)
	m, known := c.cat.Lookup(req.ModelID)
	p, err := parseBody(kindOf(req.Operation, m.Family, req.Body), req.Body, req.valid)
	if err != nil {
		return err
	}
	c.prompts[idx] = p
	ds := blockDigests(p)
	c.digests[idx] = ds
	c.stable.check(c, idx, p, ds)
	for _, pt := range p.points {
		res.Checkpoints = append(res.Checkpoints, CheckpointResult{Path: pt.path, Layer: pt.cp.Layer, TTL: pt.cp.TTL, Outcome: Unknown})
	}
	res.Budget.Used = len(p.points)
	if !known {
		c.unknownModel(req, &res, p)
		c.rep.Requests = append(c.rep.Requests, res)
		return nil
	}
	res.Model = m.Key
	res.Budget.Max = m.MaxCheckpoints
	sc := c.scope(req, m)
	tokens := sc.tokens(p)
	res.PromptTokens = tokens[len(tokens)-1]
	for i, pt := range p.points {
		res.Checkpoints[i].Tokens = tokens[pt.boundary]
	}
	if c.rejected(req, m, p, &res) {
		c.rep.Requests = append(c.rep.Requests, res)
		return nil
	}
	sc.advance(req, c)
	hashes := prefixHashes(m, p, ds)
	extent := c.simulate(sc, idx, p, hashes, tokens, &res)
	c.rep.Requests = append(c.rep.Requests, res)
	sc.remember(idx, extent, hashes)
	return nil
}

// unknownModel notes a model the catalog does not know: its checkpoints are
// listed, nothing is predicted.
func (c *checker) unknownModel(req *Request, res *RequestResult, p *prompt) {
	if c.cat.KnownUncached(req.ModelID) && len(p.points) > 0 {
		for i := range res.Checkpoints {
			res.Checkpoints[i].Outcome = Rejected
		}
		r := Rejection{Rule: matrix.RuleLayerNotCacheable, Path: p.points[0].path, Status: 400, ErrorCode: "ValidationException",
			Message: "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information."}
		res.Rejections = append(res.Rejections, r)
		c.finding(Finding{Rule: r.Rule, Severity: Error, Source: req.Source, Path: r.Path,
			Message: fmt.Sprintf("%s does not support prompt caching: a checkpoint is rejected (%d %s: %s)", req.ModelID, r.Status, r.ErrorCode, r.Message)})
		return
	}
	if !c.noted[req.ModelID] {
		c.noted[req.ModelID] = true
		c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("model %s is not in the catalog: its checkpoints are listed but nothing is predicted (scripts/discover %s measures it)", req.ModelID, req.ModelID))
	}
}

// rejected predicts the service's rejections of the request (an
// end-of-life model, matrix.ValidateRequest) and reports whether there are
// any.
func (c *checker) rejected(req *Request, m matrix.Model, p *prompt, res *RequestResult) bool {
	if m.Lifecycle == matrix.EndOfLife {
		res.Rejections = append(res.Rejections, Rejection{Rule: matrix.RuleLifecycle, Path: "modelId", Status: 404, ErrorCode: "ResourceNotFoundException"})
		c.finding(Finding{Rule: matrix.RuleLifecycle, Severity: Error, Source: req.Source, Path: "modelId",
			Message: fmt.Sprintf("%s reached end of life on %s: every call answers 404 ResourceNotFoundException", m.Name, m.EndOfLife)})
	}
	cps := make([]matrix.Checkpoint, len(p.points))
	for i, pt := range p.points {
		cps[i] = pt.cp
	}
	for _, r := range matrix.ValidateRequest(m, p.env, cps) {
		path := r.Field
		if path == "" {
			path = r.Where()
			if i := slices.Index(cps, r.Checkpoint); i >= 0 {
				path = p.points[i].path
			}
		}
		rj := Rejection{Rule: r.Rule, Path: path, Status: r.Status, ErrorCode: r.ErrorCode, Message: r.Message}
		res.Rejections = append(res.Rejections, rj)
		msg := r.Message
		if msg == "" {
			msg = "(the service's message is not documented)"
		}
		c.finding(Finding{Rule: r.Rule, Severity: Error, Source: req.Source, Path: path,
			Message: fmt.Sprintf("predicted rejection on %s: %d %s: %s", m.Name, r.Status, r.ErrorCode, msg)})
	}
	if len(res.Rejections) == 0 {
		return false
	}
	for i := range res.Checkpoints {
		res.Checkpoints[i].Outcome = Rejected
	}
	return true
}

// scope returns the cache scope of a request.
func (c *checker) scope(req *Request, m matrix.Model) *scope {
	k := scopeKey{req.Sequence, req.Account, m.Key}
	if s, ok := c.scopes[k]; ok {
		return s
	}
	est := EstimateFor(m.Family)
	if !slices.ContainsFunc(c.rep.Estimates, func(e Estimate) bool { return e.Family == est.Family }) {
		c.rep.Estimates = append(c.rep.Estimates, est)
	}
	s := &scope{model: m, est: est, prices: m.Prices.For(matrix.ProfileKindOf(req.ModelID)),
		entries: map[digest]*entry{}, known: map[digest]int{}, extent: map[int]int{}, last: -1}
	c.scopes[k] = s
	c.order = append(c.order, s)
	return s
}

// tokens returns the estimated cumulative prefix size at every block
// boundary.
func (s *scope) tokens(p *prompt) []int {
	out := make([]int, len(p.blocks)+1)
	for i, b := range p.blocks {
		out[i+1] = out[i] + s.est.tokens(b.chars)
	}
	return out
}

// advance moves the scope's clock to the request's time (a request
// without one is taken to come at the time of the one before).
func (s *scope) advance(req *Request, c *checker) {
	if !req.Time.IsZero() {
		s.now, s.timed = req.Time, true
		c.timed = true
	} else {
		c.untimed = true
	}
}

// live returns the entry for a prefix if it has not expired.
func (s *scope) live(h digest) (*entry, bool) {
	e, ok := s.entries[h]
	if !ok || s.timed && !s.now.Before(e.expires) {
		return e, false
	}
	return e, true
}

// remember records the prefixes a request sent, at every block boundary
// through the end of what it read or wrote (extent), for later
// explanations: a later request that differs before that end lost what
// this one cached.
func (s *scope) remember(idx, extent int, hashes []digest) {
	s.extent[idx] = extent
	for k := 0; k <= extent; k++ {
		s.known[hashes[k]] = idx
	}
	s.last = idx
	s.requests++
}

// blockDigests returns the SHA-256 of every block's bytes.
func blockDigests(p *prompt) []digest {
	out := make([]digest, len(p.blocks))
	for i, b := range p.blocks {
		out[i] = sha256.Sum256(b.raw)
	}
	return out
}

// extrasInMessages reports whether the request fields beside the blocks
// (tool choice, thinking) enter the prefix where the messages start, so
// that changing them misses only the messages cache: Anthropic documents
// so for Claude; Nova Lite was seen to lose its tools and system reads too
// (FACTS.md, "Invalidation"), so there they key the whole prefix.
func extrasInMessages(m matrix.Model) bool { return m.Family != matrix.Nova }

// prefixHashes chains the blocks' digests into the identity of the prefix
// at every block boundary: layer, message starts (with the role) and the
// extras where they enter.
func prefixHashes(m matrix.Model, p *prompt, ds []digest) []digest {
	out := make([]digest, len(p.blocks)+1)
	h := sha256.New()
	buf := make([]byte, 0, 128)
	h.Write([]byte("cachecascade/forecast/v1"))
	inMsgs := extrasInMessages(m)
	writeExtras := func() {
		for _, x := range p.extras {
			buf = binary.BigEndian.AppendUint64(buf[:0], uint64(len(x.path)+len(x.raw)))
			h.Write(buf)
			h.Write([]byte(x.path))
			h.Write(x.raw)
		}
	}
	if !inMsgs {
		writeExtras()
	}
	copy(out[0][:], h.Sum(nil))
	extrasDone := !inMsgs
	for i, b := range p.blocks {
		h.Reset()
		buf = append(append(buf[:0], out[i][:]...), byte(b.layer))
		h.Write(buf)
		if b.layer == prefix.Messages && !extrasDone {
			writeExtras()
			extrasDone = true
		}
		if b.first {
			buf = binary.BigEndian.AppendUint64(buf[:0], uint64(len(b.role)))
			h.Write(buf)
			h.Write([]byte(b.role))
		}
		h.Write(ds[i][:])
		copy(out[i+1][:], h.Sum(nil))
	}
	return out
}

// finding appends a finding.
func (c *checker) finding(f Finding) { c.rep.Findings = append(c.rep.Findings, f) }
