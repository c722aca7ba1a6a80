package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
)

// recordedResponses reads the status, error type and body of every
// interaction of a cassette, by index.
func recordedResponses(t *testing.T, data []byte) []observedRaw {
	t.Helper()
	var c struct {
		Interactions []struct {
			Response struct {
				Body    string              `yaml:"body"`
				Headers map[string][]string `yaml:"headers"`
				Code    int                 `yaml:"code"`
			} `yaml:"response"`
		} `yaml:"interactions"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	out := make([]observedRaw, len(c.Interactions))
	for i, it := range c.Interactions {
		out[i] = observedRaw{it.Response.Code, strings.Join(it.Response.Headers["X-Amzn-Errortype"], ""), []byte(it.Response.Body)}
	}
	return out
}

// observedRaw is a recorded response.
type observedRaw struct {
	code    int
	errType string
	body    []byte
}

// leftOut are the cassette areas the comparison cannot hold to a
// prediction, and why.
var leftOut = map[string]string{
	"ttl":       "the suites move the emulator's clock outside the recording, so the cassettes carry no times",
	"threshold": "the specs aim within a few percent of the minimum by the emulator's tokenizer, inside the estimate's error (and 25% from Nova's)",
}

// TestPredictionsAgreeWithTheCassettes reads every cassette of the
// repository as a request log and compares each prediction with the usage
// recorded for it (the cassettes were recorded against the emulator): the
// same agreement as the examples' replay, over the suites' 2,700 calls. A
// request whose prefix is within the estimate's error of the minimum (the
// threshold specs aim there on purpose) is left out, and so are the models
// whose minimum sources dispute, for which the recording may show either.
func TestPredictionsAgreeWithTheCassettes(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every cassette")
	}
	var files []string
	err := filepath.WalkDir("../../cassettes", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && leftOut[d.Name()] != "" {
			return filepath.SkipDir
		}
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("cassettes: %v, %d files", err, len(files))
	}
	compared, skipped := 0, 0
	var bad []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		reqs, err := readCassette(f, data)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := forecast.Check(reqs, forecast.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		resps := recordedResponses(t, data)
		for i, p := range rep.Requests {
			m, _ := matrix.Default().Lookup(p.ModelID)
			if skip(p, m) {
				skipped++
				continue
			}
			n, _ := strconv.Atoi(p.Source[strings.LastIndexByte(p.Source, '#')+1:])
			r := resps[n]
			o := observation{Status: r.code, ErrorType: r.errType}
			if r.code == 200 {
				api, _ := request.APIOfPath("/" + string(reqs[i].Operation))
				u, err := request.Recorded(api, m.Family, r.body)
				if err != nil {
					t.Fatalf("%s: %v", p.Source, err)
				}
				o.Read, o.Written, o.Input = u.Read, u.Write, u.Input
			}
			compared++
			if _, d := agree(p, o); d != "" {
				bad = append(bad, d)
			}
		}
	}
	t.Logf("%d recorded calls compared, %d left out", compared, skipped)
	for i, d := range bad {
		if i == 20 {
			t.Errorf("… and %d more", len(bad)-20)
			break
		}
		t.Error(d)
	}
}

// skip reports whether a prediction cannot be held to a recording: the
// model is unknown or end of life (its cassettes keep a history the
// prediction rejects), a checkpoint is within the estimate's error of the
// minimum, or sources dispute the minimum.
func skip(p forecast.RequestResult, m matrix.Model) bool {
	if p.Model == "" || m.Lifecycle == matrix.EndOfLife || len(m.Minimums()) > 1 {
		return true
	}
	for _, c := range p.Checkpoints {
		if c.Uncertain {
			return true
		}
	}
	return false
}
