package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"

	"github.com/cachecascade/cachecascade/jsondiff"
)

// newSalt returns a run-unique salt: "cachecascade-salt-" and ten random
// digits, then a space.
func newSalt() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1e10))
	if err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	return fmt.Sprintf("cachecascade-salt-%010d ", n.Int64()), nil
}

// saltLayers are where a salt may go, one pattern per layer in prefix order
// (tools → system → the first message), matching the JSON paths of string
// values in Converse bodies and in the Anthropic and Nova InvokeModel
// bodies alike: within a layer the first match in the document wins.
var saltLayers = []*regexp.Regexp{
	regexp.MustCompile(`^(toolConfig\.tools\[\d+\]\.toolSpec\.description|tools\[\d+\]\.description)$`),
	regexp.MustCompile(`^(system|system\[\d+\]\.text)$`),
	regexp.MustCompile(`^(messages\[0\]\.content|messages\[0\]\.content\[\d+\]\.text)$`),
}

// addSalt inserts salt at the start of the first text of body in prefix
// order (the first tool's description, else the first system text, else the
// first message's first text) and returns the new body and the text's JSON
// path. Every other byte is kept: the string is found by walking the body's
// tokens, and the result is checked to differ from body at that path only.
// A body without such a text is returned as is, with path "".
func addSalt(body []byte, salt string) ([]byte, string, error) {
	strs, err := stringOffsets(body)
	if err != nil {
		return nil, "", err
	}
	var at *jsonString
	for _, layer := range saltLayers {
		for i := range strs {
			if layer.MatchString(strs[i].path) {
				at = &strs[i]
				break
			}
		}
		if at != nil {
			break
		}
	}
	if at == nil {
		return body, "", nil
	}
	out := slices.Concat(body[:at.quote+1], []byte(salt), body[at.quote+1:])
	ds, err := jsondiff.Compare(body, out)
	if err != nil {
		return nil, "", fmt.Errorf("salt: %w", err)
	}
	if len(ds) != 1 || ds[0].Path != at.path {
		return nil, "", fmt.Errorf("salt: inserting at %s changed %v", at.path, ds)
	}
	return out, at.path, nil
}

// jsonString is a string value of a JSON document: its path and the byte
// offset of its opening quote.
type jsonString struct {
	path  string
	quote int
}

// stringOffsets returns every string value of a JSON document (object keys
// aside), in document order, with its path (system[0].text) and the offset
// of its opening quote. Between one token's end and the next token only
// white space, ':' and ',' may come, so the first '"' after the previous
// token's end is the string's own.
func stringOffsets(body []byte) ([]jsonString, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out []jsonString
	var walk func(path string) error
	walk = func(path string) error {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					key, _ := k.(string)
					p := key
					if path != "" {
						p = path + "." + key
					}
					if err := walk(p); err != nil {
						return err
					}
				}
			case '[':
				for i := 0; dec.More(); i++ {
					if err := walk(path + "[" + strconv.Itoa(i) + "]"); err != nil {
						return err
					}
				}
			}
			if _, err := dec.Token(); err != nil { // the closing delimiter
				return err
			}
		case string:
			q := bytes.IndexByte(body[start:], '"')
			if q < 0 {
				return fmt.Errorf("salt: no quote before the string at %s", path)
			}
			out = append(out, jsonString{path: path, quote: start + q})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, fmt.Errorf("salt: %w", err)
	}
	return out, nil
}
