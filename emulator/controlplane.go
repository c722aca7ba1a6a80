package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The control plane (service "bedrock"): ListInferenceProfiles only, so that
// one emulator URL serves both AWS_ENDPOINT_URL_BEDROCK_RUNTIME and
// AWS_ENDPOINT_URL_BEDROCK.

// pathInferenceProfiles is ListInferenceProfiles's path (GET).
const pathInferenceProfiles = "/inference-profiles"

// The account and Region the emulator's ARNs name.
const (
	arnAccount = "123456789012"
	arnRegion  = "us-east-1"
)

// Paging of ListInferenceProfiles.
const (
	defaultMaxResults = 100
	maxMaxResults     = 1000
)

// The control plane's own error texts.
const (
	msgMaxResults = "1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000"
	msgNextToken  = "The pagination token is invalid."
)

// profileTypes are the values of the type (typeEquals) query parameter.
var profileTypes = []string{"SYSTEM_DEFINED", "APPLICATION"}

// profileRegions are the Regions a system-defined profile of each prefix
// routes to: the foundation-model ARNs its summary lists.
var profileRegions = map[string][]string{
	"global": {"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"},
	"us":     {"us-east-1", "us-east-2", "us-west-2"},
	"eu":     {"eu-central-1", "eu-west-1", "eu-west-3"},
	"jp":     {"ap-northeast-1", "ap-northeast-3"},
	"au":     {"ap-southeast-2", "ap-southeast-4"},
	"apac":   {"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2"},
}

// profileNames are the geography words of profile names.
var profileNames = map[string]string{
	"global": "Global", "us": "US", "eu": "EU", "jp": "JP", "au": "AU", "apac": "APAC",
}

type profileModelJSON struct {
	ModelArn string `json:"modelArn"`
}

type profileSummaryJSON struct {
	InferenceProfileName string             `json:"inferenceProfileName"`
	Description          string             `json:"description"`
	InferenceProfileArn  string             `json:"inferenceProfileArn"`
	Models               []profileModelJSON `json:"models"`
	InferenceProfileID   string             `json:"inferenceProfileId"`
	Status               string             `json:"status"`
	Type                 string             `json:"type"`
}

type listProfilesJSON struct {
	InferenceProfileSummaries []profileSummaryJSON `json:"inferenceProfileSummaries"`
	NextToken                 *string              `json:"nextToken,omitempty"`
}

// serveListInferenceProfiles answers GET /inference-profiles with a
// SYSTEM_DEFINED profile per (model, prefix) of every model not past its
// end of life (unless Options.ServeEndOfLife), sorted by ID, paged by maxResults and nextToken.
func (e *Emulator) serveListInferenceProfiles(w http.ResponseWriter, r *http.Request, reqID string) {
	if r.Method != http.MethodGet {
		writeError(w, reqID, errUnknownOperation())
		return
	}
	_, checkBody, aerr := e.authenticate(r)
	if aerr == nil && checkBody != nil {
		aerr = checkBody(nil) // a GET signs an empty payload
	}
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	out, aerr := e.listInferenceProfiles(r.URL.Query())
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	b, _ := json.Marshal(out)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// listInferenceProfiles returns the page q asks for.
func (e *Emulator) listInferenceProfiles(q url.Values) (listProfilesJSON, *apiError) {
	size, start, aerr := pageOf(q)
	if aerr != nil {
		return listProfilesJSON{}, aerr
	}
	var all []profileSummaryJSON
	switch typ := q.Get("type"); {
	case q.Has("type") && !slices.Contains(profileTypes, typ):
		return listProfilesJSON{}, errEnumAt(typ, "typeEquals", profileTypes)
	case typ != "APPLICATION":
		all = e.systemProfiles()
	}
	if start > len(all) {
		return listProfilesJSON{}, errValidation(msgNextToken)
	}
	end := min(start+size, len(all))
	out := listProfilesJSON{InferenceProfileSummaries: all[start:end]}
	if end < len(all) {
		tok := pageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}

// errEnumAt is errEnum with the value set given as a list.
func errEnumAt(value, path string, set []string) *apiError {
	return errEnum(value, path, strings.Join(set, ", "))
}

// pageOf reads maxResults and nextToken: the page size and the index of
// the page's first profile.
func pageOf(q url.Values) (size, start int, aerr *apiError) {
	size = defaultMaxResults
	if q.Has("maxResults") {
		v := q.Get("maxResults")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMaxResults {
			return 0, 0, errValidationf(msgMaxResults, v)
		}
		size = n
	}
	if tok := q.Get("nextToken"); tok != "" {
		n, ok := parsePageToken(tok)
		if !ok {
			return 0, 0, errValidation(msgNextToken)
		}
		start = n
	}
	return size, start, nil
}

// pageTokenPrefix marks the emulator's opaque page tokens.
const pageTokenPrefix = "inference-profiles:"

func pageToken(start int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + strconv.Itoa(start)))
}

func parsePageToken(tok string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(raw), pageTokenPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// systemProfiles lists the system-defined profiles of the model table,
// sorted by ID.
func (e *Emulator) systemProfiles() []profileSummaryJSON {
	var out []profileSummaryJSON
	for _, spec := range e.models {
		if e.retired(spec) {
			continue
		}
		for _, p := range spec.profiles {
			out = append(out, systemProfile(spec.id, p))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].InferenceProfileID < out[j].InferenceProfileID })
	return out
}

// systemProfile is the summary of the profile prefix.base.
func systemProfile(base, prefix string) profileSummaryJSON {
	id := prefix + "." + base
	s := profileSummaryJSON{
		InferenceProfileName: profileNames[prefix] + " " + base,
		Description:          fmt.Sprintf("Routes requests to %s in %s.", base, strings.Join(profileRegions[prefix], ", ")),
		InferenceProfileArn:  "arn:aws:bedrock:" + arnRegion + ":" + arnAccount + ":inference-profile/" + id,
		InferenceProfileID:   id,
		Status:               "ACTIVE",
		Type:                 "SYSTEM_DEFINED",
	}
	for _, region := range profileRegions[prefix] {
		s.Models = append(s.Models, profileModelJSON{ModelArn: "arn:aws:bedrock:" + region + "::foundation-model/" + base})
	}
	return s
}
