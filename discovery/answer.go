package discovery

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// profilePrefixes are the geographic prefixes of the system-defined
// cross-region inference profiles, in the order the entry lists them.
var profilePrefixes = []string{"us", "eu", "apac", "jp", "au", "global"}

// baseID strips an ARN down to its resource and an inference-profile
// prefix from it.
func baseID(id string) string {
	if strings.HasPrefix(id, "arn:") {
		id = id[strings.LastIndex(id, "/")+1:]
	}
	for _, p := range profilePrefixes {
		if rest, ok := strings.CutPrefix(id, p+"."); ok {
			return rest
		}
	}
	return id
}

// plain is the smallest request: a short system prompt, the instruction and
// no checkpoint.
func (s *state) plain() shape {
	return shape{layer: prefix.System, head: []piece{{text: s.fresh() + "You answer in one word."}}}
}

// answer checks that the model answers Converse at all, finds the profiles
// the account reaches and whether the base ID needs one, and whether
// CountTokens works.
func (s *state) answer() error {
	first, err := s.send("answer: a plain Converse call to "+s.model, s.plain().input(s.model))
	if err != nil && !refusal(err) {
		return err
	}
	reached, requires, err := s.profiles(first)
	if err != nil {
		return err
	}
	switch {
	case first.Error == "":
		s.res.Invoked = s.model
	case len(reached) > 0:
		s.res.Invoked = reached[0]
		s.note("invoked", reached[0], fmt.Sprintf("%s answered %q, so the measurements use the first profile that answered", s.model, first.Error), first.N)
	default:
		s.note("answers", "false", "the model did not answer a plain Converse call: "+first.Error, first.N)
		if strings.Contains(first.Error, "end of its life") {
			s.note("lifecycle", string(matrix.EndOfLife), "the service says the model reached the end of its life", first.N)
		}
		s.stop = true
		return nil
	}
	s.res.Answers = true
	s.model, s.countID = s.res.Invoked, baseID(s.res.ModelID)
	s.entry.BaseID, s.entry.Profiles, s.entry.RequiresProfile = s.countID, reached, requires
	s.entry.Lifecycle = matrix.Active
	s.note("lifecycle", string(matrix.Active), "the model answered; discovery cannot tell a gated model (open to this account only) from an active one", first.N)
	return s.countCheck()
}

// refusal reports whether err is the service refusing to serve the model
// ID (invalid, on-demand not supported, end of life): an answer about the
// ID, not a failure of the measurement.
func refusal(err error) bool { return rejected(err) || isCode(err, "ResourceNotFoundException") }

// isCode reports whether err is a CallError with the given code.
func isCode(err error, code string) bool {
	var ce *CallError
	return errors.As(err, &ce) && ce.Code == code
}

// profiles sends the plain call to the base ID (unless that was the first
// call) and to every profile prefix, and returns the profile IDs that
// answered, in profilePrefixes order, and whether the base ID needs a
// profile (its plain call was refused). first is the call to the ID asked
// about.
func (s *state) profiles(first Call) (reached []string, requires bool, err error) {
	base := baseID(s.res.ModelID)
	ok := map[string]int{}
	if first.Error == "" {
		ok[s.model] = first.N
	}
	requires, baseCall := first.Error != "", first.N
	if base != s.model {
		c, err := s.send("profiles: the base ID "+base, s.plain().input(base))
		if err != nil && !refusal(err) && !isCode(err, "AccessDeniedException") {
			return nil, false, err
		}
		requires, baseCall = err != nil, c.N
	}
	var calls []int
	for _, p := range profilePrefixes {
		id := p + "." + base
		if id != s.model {
			c, err := s.send("profiles: "+id, s.plain().input(id))
			if err != nil && !refusal(err) && !isCode(err, "AccessDeniedException") {
				return nil, false, err
			}
			if err == nil {
				ok[id] = c.N
			}
		}
		if n, found := ok[id]; found {
			reached, calls = append(reached, id), append(calls, n)
		}
	}
	s.note("profiles", fmt.Sprintf("%q", reached), fmt.Sprintf("of the %d profile prefixes, these answered a plain call from this account and region; the others were refused", len(profilePrefixes)), calls...)
	s.note("requiresProfile", fmt.Sprint(requires), "whether a plain call by the base ID "+base+" was refused", baseCall)
	return reached, requires, nil
}

// countCheck learns whether CountTokens counts the model's requests: a
// rejection, a denial (IAM may not allow bedrock:CountTokens) or an
// endpoint without the operation means it does not; any other error stops
// the measurement.
func (s *state) countCheck() error {
	_, c, err := s.countTokens("countTokens: the plain request", s.plain().input(s.model))
	switch {
	case err == nil:
		s.res.CountTokens, s.entry.CountTokens = true, true
		s.note("countTokens", "true", "CountTokens by the base ID counted the plain request: probes are aimed with it", c.N)
	case rejected(err) || isCode(err, "AccessDeniedException") || isCode(err, "UnknownOperationException"):
		s.note("countTokens", "false", "CountTokens by the base ID answered "+c.Error+": probes are aimed from usage alone", c.N)
	default:
		return err
	}
	return nil
}
