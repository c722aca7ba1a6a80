package forecast

import (
	"crypto/sha256"
	"fmt"

	"github.com/cachecascade/cachecascade/jsondiff"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/wire"
)

// stability finds blocks that are the same JSON as an earlier block at the
// same path but other bytes: a builder whose serialization is not stable
// (a tool schema built from a map, keys in another order) changes the
// prefix while the request means the same, and the cache misses.
type stability struct {
	// seen marks each (path, bytes) already looked at, so that a block
	// repeated by a growing conversation is canonicalised once.
	seen map[pathDigest]bool
	// first maps (path, canonical JSON) to the first block seen with it.
	first map[pathDigest]blockRef
	// reported marks each path already reported.
	reported map[string]bool
}

// pathDigest is a block's path with the digest of some form of it.
type pathDigest struct {
	path string
	d    digest
}

// blockRef names a block of a request.
type blockRef struct {
	req, block int
	raw        digest
}

func newStability() stability {
	return stability{seen: map[pathDigest]bool{}, first: map[pathDigest]blockRef{}, reported: map[string]bool{}}
}

// check looks at the blocks of request idx.
func (s *stability) check(c *checker, idx int, p *prompt, ds []digest) {
	for i, b := range p.blocks {
		k := pathDigest{b.path, ds[i]}
		if s.seen[k] {
			continue
		}
		s.seen[k] = true
		canon, err := jsondiff.Canonical(b.raw)
		if err != nil {
			continue
		}
		ck := pathDigest{b.path, sha256.Sum256(canon)}
		ref, ok := s.first[ck]
		if !ok {
			s.first[ck] = blockRef{idx, i, ds[i]}
			continue
		}
		if ref.raw == ds[i] || s.reported[b.path] {
			continue
		}
		s.reported[b.path] = true
		c.finding(unstable(c.rep.Requests, c.prompts[ref.req].blocks[ref.block], b, ref.req, c.source(idx)))
	}
}

// source returns the source of request idx, which may be the one being
// added.
func (c *checker) source(idx int) string {
	if idx < len(c.rep.Requests) {
		return c.rep.Requests[idx].Source
	}
	return c.pending
}

// unstable describes a block that came back as the same JSON in other
// bytes.
func unstable(reqs []RequestResult, old, new block, oldReq int, src string) Finding {
	path, how, sev := old.path, "other bytes", Error
	if cmp, err := wire.Compare(old.raw, new.raw); err == nil && len(cmp.Fields) > 0 {
		f := cmp.Fields[0]
		if f.Path != wire.Root {
			path = joinPath(old.path, f.Path)
		}
		how = f.Kind.String()
		if f.Kind == wire.Encoding {
			// An escape difference: the service decodes strings, so wire
			// does not count it as cache-affecting; the bytes still
			// differ, so it is worth a look.
			sev = Warning
		}
	}
	d := diffBytes(old.path, old.raw, new.raw)
	return Finding{Rule: matrix.RuleDeterminism, Severity: sev, Source: src, Path: path,
		Message: fmt.Sprintf("cache-affecting instability: %s is the same JSON as in %s but serialized with another %s (%s vs %s): the prefix changes while the request means the same; build it with sorted keys",
			path, reqs[oldReq].Source, how, d.Old, d.New)}
}
