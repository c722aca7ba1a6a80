package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cachecascade/cachecascade/forecast"
)

// readInputs reads every named log: a JSON Lines file, a cassette, a
// directory of either (walked in lexical order), or "-" for standard
// input. It returns the requests, each file its own sequence, and the files
// read.
func readInputs(args []string, stdin io.Reader) ([]forecast.Request, []string, error) {
	var reqs []forecast.Request
	var files []string
	add := func(name string, data []byte) error {
		rs, err := readFile(name, data)
		if err != nil {
			return err
		}
		for i := range rs {
			rs[i].Sequence = name
		}
		reqs = append(reqs, rs...)
		files = append(files, name)
		return nil
	}
	for _, arg := range args {
		if arg == "-" {
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, nil, fmt.Errorf("standard input: %w", err)
			}
			if err := add("stdin", data); err != nil {
				return nil, nil, err
			}
			continue
		}
		info, err := os.Stat(arg)
		if err != nil {
			return nil, nil, err
		}
		if !info.IsDir() {
			data, err := os.ReadFile(arg)
			if err != nil {
				return nil, nil, err
			}
			if err := add(arg, data); err != nil {
				return nil, nil, err
			}
			continue
		}
		n := len(files)
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isLog(path) {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return add(path, data)
		})
		if err != nil {
			return nil, nil, err
		}
		if len(files) == n {
			return nil, nil, fmt.Errorf("%s: no request log in the directory (*.jsonl, or cassettes *.yaml, *.yml)", arg)
		}
	}
	return reqs, files, nil
}

// isLog reports whether a file in a directory is a log to read.
func isLog(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".yaml", ".yml":
		return true
	}
	return false
}

// readFile reads one log: a cassette when it is YAML (by extension, or by
// its first line), JSON Lines otherwise.
func readFile(name string, data []byte) ([]forecast.Request, error) {
	ext := strings.ToLower(filepath.Ext(name))
	trimmed := bytes.TrimSpace(data)
	if ext == ".yaml" || ext == ".yml" || bytes.HasPrefix(trimmed, []byte("---")) || bytes.HasPrefix(trimmed, []byte("version:")) {
		return readCassette(name, data)
	}
	return forecast.ParseLog(data, name)
}

// cassetteFile is the part of a go-vcr v2 cassette a check reads.
type cassetteFile struct {
	Version      int `yaml:"version"`
	Interactions []struct {
		Request struct {
			Body    string              `yaml:"body"`
			Headers map[string][]string `yaml:"headers"`
			URL     string              `yaml:"url"`
			Method  string              `yaml:"method"`
		} `yaml:"request"`
	} `yaml:"interactions"`
}

// runtimePath matches a runtime operation's path: /model/{modelId}/{op}.
var runtimePath = regexp.MustCompile(`^/model/([^/]+)/([a-z-]+)$`)

// cassetteStart is the time a cassette's first request is taken to come
// at, when the cassette moves the emulator's clock (its TTL specs).
var cassetteStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// readCassette reads the requests of a go-vcr v2 cassette: every
// interaction that calls a runtime operation a log may name (CountTokens
// and the control plane are left out). The account is the recorder's
// X-Cachecascade-Account header, or a digest of the access key of a
// SigV4 Authorization header (the key itself is never shown). A cassette
// that moves the emulator's clock (POST /_emulator/clock/advance?by=…)
// gives its requests times, so that the TTL is honoured.
func readCassette(name string, data []byte) ([]forecast.Request, error) {
	var c cassetteFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: not a go-vcr cassette: %v", name, err)
	}
	if c.Version == 0 && len(c.Interactions) == 0 {
		return nil, fmt.Errorf("%s: not a go-vcr cassette (no version, no interactions)", name)
	}
	var out []forecast.Request
	now, timed := cassetteStart, false
	for i, it := range c.Interactions {
		src := fmt.Sprintf("%s#%d", name, i)
		u, err := url.Parse(it.Request.URL)
		if err != nil {
			return nil, fmt.Errorf("%s: url: %v", src, err)
		}
		if strings.HasSuffix(u.Path, "/_emulator/clock/advance") {
			d, err := time.ParseDuration(u.Query().Get("by"))
			if err != nil {
				return nil, fmt.Errorf("%s: clock advance: %v", src, err)
			}
			now, timed = now.Add(d), true
			continue
		}
		m := runtimePath.FindStringSubmatch(u.EscapedPath())
		if m == nil {
			continue
		}
		op := forecast.Operation(m[2])
		if !op.IsInvoke() && op != forecast.Converse && op != forecast.ConverseStream {
			continue
		}
		id, err := url.PathUnescape(m[1])
		if err != nil {
			return nil, fmt.Errorf("%s: model ID: %v", src, err)
		}
		body := []byte(it.Request.Body)
		if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return nil, fmt.Errorf("%s: the request body is not a JSON object", src)
		}
		out = append(out, forecast.Request{Source: src, ModelID: id, Operation: op, Body: body, Account: account(it.Request.Headers)})
		if timed {
			out[len(out)-1].Time = now
		}
	}
	if timed {
		// Requests before the first clock move come at the start.
		for i := range out {
			if out[i].Time.IsZero() {
				out[i].Time = cassetteStart
			}
		}
	}
	return out, nil
}

// credential finds a SigV4 Authorization header's access key.
var credential = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)

// account labels the account that sent a recorded request.
func account(h map[string][]string) string {
	for k, v := range h {
		if len(v) == 0 {
			continue
		}
		switch strings.ToLower(k) {
		case "x-cachecascade-account":
			return v[0]
		case "authorization":
			if m := credential.FindStringSubmatch(v[0]); m != nil {
				d := sha256.Sum256([]byte(m[1]))
				return "key-" + hex.EncodeToString(d[:4])
			}
		}
	}
	return ""
}
