package main

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cachecascade/cachecascade/matrix"
)

// discoverScript is the command that writes a catalog entry for a model;
// the drift line tells the reader to run it with a profile or model ID.
const discoverScript = "scripts/discover"

// Drift is what the catalog-drift check found: the Anthropic and Nova
// models the account can call through its inference profiles that the
// catalog lacks. It is information, never a failure: it does not change the
// exit status.
type Drift struct {
	// Checked says whether the account's inference profiles were listed.
	Checked bool
	// Reason says why they were not, when Checked is false; empty means
	// the check did not run at all.
	Reason string
	// Profiles counts the inference profiles listed.
	Profiles int
	// Uncatalogued are the models the catalog lacks, by model ID.
	Uncatalogued []Uncatalogued
}

// Uncatalogued is one model the account can call that the catalog lacks.
type Uncatalogued struct {
	// Model is the foundation-model ID, such as
	// "anthropic.claude-opus-5-5".
	Model string `json:"model"`
	// Profiles are the IDs of the inference profiles that reach it,
	// sorted.
	Profiles []string `json:"profiles"`
	// Command is the command that adds it to the catalog.
	Command string `json:"command"`
}

// Line is the summary's one line about catalog drift. It always says
// something: what is missing, that nothing is, or why nothing was checked.
func (d Drift) Line() string {
	switch {
	case !d.Checked:
		reason := d.Reason
		if reason == "" {
			reason = "the check did not run"
		}
		return "catalog drift: not checked (" + reason + ")"
	case len(d.Uncatalogued) == 0:
		return fmt.Sprintf("catalog drift: none (every Anthropic and Nova model of the account's %d inference profiles is in the catalog)", d.Profiles)
	}
	var ids []string
	for _, u := range d.Uncatalogued {
		ids = append(ids, u.Model)
	}
	if len(ids) == 1 {
		return "catalog drift: 1 model the account can call is not in the catalog: " + ids[0]
	}
	return fmt.Sprintf("catalog drift: %d models the account can call are not in the catalog: %s", len(ids), strings.Join(ids, ", "))
}

// driftFamilies are the model-ID prefixes of the families the catalog
// covers; models of other providers (meta.llama, mistral, ...) are not
// drift.
var driftFamilies = []string{"anthropic.", "amazon.nova"}

// notTextModels mark the model IDs of those families that take no text
// prompt to cache (Nova's image, video, speech and embedding models), which
// are not drift either.
var notTextModels = []string{"nova-canvas", "nova-reel", "nova-sonic", "embed"}

// driftTypes are the inference-profile types whose models the account can
// call.
var driftTypes = []types.InferenceProfileType{types.InferenceProfileTypeSystemDefined, types.InferenceProfileTypeApplication}

// FindUncatalogued returns the Anthropic and Nova models that the
// inference profiles reach and the catalog lacks (neither among its models
// nor among those it knows do not cache, matrix.Catalog.Uncached), sorted by model ID, each
// with the profiles that reach it and its discover command. A profile the
// catalog knows by ID is catalogued whatever its models; otherwise each
// model is looked up by its ID.
func FindUncatalogued(profiles []types.InferenceProfileSummary, c *matrix.Catalog) []Uncatalogued {
	reach := map[string][]profileRef{}
	for _, p := range profiles {
		if !slices.Contains(driftTypes, p.Type) {
			continue
		}
		ref := profileRef{id: profileID(p), system: p.Type == types.InferenceProfileTypeSystemDefined}
		if _, ok := c.Lookup(ref.id); ref.id != "" && ok {
			continue
		}
		for _, m := range modelsOf(p) {
			if _, ok := c.Lookup(m); !ok && !c.KnownUncached(m) && inFamilies(m) && !slices.Contains(reach[m], ref) {
				reach[m] = append(reach[m], ref)
			}
		}
	}
	out := []Uncatalogued{}
	for m, refs := range reach {
		out = append(out, uncatalogued(m, refs))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Model < out[j].Model })
	return out
}

// profileRef is an inference profile that reaches a model.
type profileRef struct {
	id     string
	system bool
}

// geoOrder is the order in which the catalog lists geographic profile
// prefixes; a discover command names the first the account has.
var geoOrder = []string{"us", "eu", "apac", "jp", "au"}

// rank orders the profiles a discover command may name: geographic
// system-defined profiles in geoOrder, then other geographic ones, then
// global ones, then application profiles.
func (r profileRef) rank() int {
	switch {
	case !r.system:
		return len(geoOrder) + 2
	case strings.HasPrefix(r.id, "global."):
		return len(geoOrder) + 1
	}
	for i, g := range geoOrder {
		if strings.HasPrefix(r.id, g+".") {
			return i
		}
	}
	return len(geoOrder)
}

// uncatalogued builds the entry of model m reached through refs: the
// profile IDs, sorted, and the discover command, which names the first
// system-defined profile by rank (the model itself when only application
// profiles reach it).
func uncatalogued(m string, refs []profileRef) Uncatalogued {
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].rank() != refs[j].rank() {
			return refs[i].rank() < refs[j].rank()
		}
		return refs[i].id < refs[j].id
	})
	u := Uncatalogued{Model: m, Command: discoverScript + " " + shellWord(m)}
	if refs[0].system {
		u.Command = discoverScript + " " + shellWord(refs[0].id)
	}
	for _, r := range refs {
		if r.id != "" && !slices.Contains(u.Profiles, r.id) {
			u.Profiles = append(u.Profiles, r.id)
		}
	}
	sort.Strings(u.Profiles)
	return u
}

// profileID returns a profile's ID, or the resource of its ARN when the ID
// is missing.
func profileID(p types.InferenceProfileSummary) string {
	if id := aws.ToString(p.InferenceProfileId); id != "" {
		return id
	}
	return arnResource(aws.ToString(p.InferenceProfileArn))
}

// modelsOf returns the model IDs a profile reaches: those of the
// foundation-model ARNs in its models, and, for a system-defined profile,
// its own ID without the geographic prefix.
func modelsOf(p types.InferenceProfileSummary) []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, m := range p.Models {
		add(withoutGeoPrefix(arnResource(aws.ToString(m.ModelArn))))
	}
	if p.Type == types.InferenceProfileTypeSystemDefined {
		add(withoutGeoPrefix(profileID(p)))
	}
	return out
}

// arnResource returns what follows the last '/' of an ARN, unescaped
// ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
// gives "amazon.nova-lite-v1:0"), or s itself when it is not an ARN.
func arnResource(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	if strings.HasPrefix(s, "arn:") {
		return s[strings.LastIndex(s, "/")+1:]
	}
	return s
}

// withoutGeoPrefix returns a system-defined profile's model ID: the ID
// after its geographic prefix ("us.", "global.", ...) when what follows is
// a model of a catalogued family, else the ID unchanged.
func withoutGeoPrefix(id string) string {
	if _, rest, ok := strings.Cut(id, "."); ok && inFamilies(rest) {
		return rest
	}
	return id
}

// inFamilies reports whether a model ID belongs to a family the catalog
// covers.
func inFamilies(id string) bool {
	if slices.ContainsFunc(notTextModels, func(w string) bool { return strings.Contains(id, w) }) {
		return false
	}
	for _, f := range driftFamilies {
		if strings.HasPrefix(id, f) {
			return true
		}
	}
	return false
}

// plainWord matches words a POSIX shell takes literally.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9._:/@%+=,-]+$`)

// shellWord quotes s for a POSIX shell when it needs quoting.
func shellWord(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// reasonKinds names, by the service's error code, why a listing failed.
var reasonKinds = []struct {
	kind  string
	codes []string
}{
	{"no permission", []string{"AccessDeniedException", "UnauthorizedException", "UnrecognizedClientException",
		"InvalidSignatureException", "IncompleteSignatureException", "ExpiredTokenException", "MissingAuthenticationTokenException"}},
	{"throttled", []string{"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException", "RequestLimitExceeded"}},
}

// listingReason says in one line why listing the inference profiles
// failed: the kind (no permission, throttled, no endpoint) when known, the
// service's error code and message, or the error itself.
func listingReason(err error) string {
	var api smithy.APIError
	var send *smithyhttp.RequestSendError
	switch {
	case errors.As(err, &api):
		detail := api.ErrorCode()
		if msg := api.ErrorMessage(); msg != "" {
			detail += ": " + msg
		}
		var resp *awshttp.ResponseError
		if errors.As(err, &resp) {
			detail = fmt.Sprintf("HTTP %d %s", resp.HTTPStatusCode(), detail)
		}
		for _, k := range reasonKinds {
			if slices.Contains(k.codes, api.ErrorCode()) {
				return oneLine(k.kind + ": " + detail)
			}
		}
		return oneLine(detail)
	case errors.As(err, &send):
		return oneLine("no endpoint: " + send.Err.Error())
	}
	var op *smithy.OperationError
	if errors.As(err, &op) {
		err = op.Err // without "operation error Bedrock: ListInferenceProfiles, "
	}
	return oneLine(err.Error())
}

// oneLine folds whitespace runs into single spaces and cuts the text to a
// length a summary line can carry.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 300
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}
