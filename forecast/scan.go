package forecast

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The functions here walk JSON that is known to be valid (json.Valid has
// passed on the whole document) without copying it: each value is a
// subslice of the input, so that a 10,000-request log is not copied block
// by block. On input that is not valid JSON they return an error, never
// panic.

// errShape reports JSON of an unexpected shape.
var errShape = fmt.Errorf("unexpected JSON")

// skipSpace returns the index of the first byte at or after i that is not
// white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the value starting at i.
func skipValue(b []byte, i int) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return 0, errShape
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errShape
	}
	for i < len(b) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(b[i])) {
		i++
	}
	return i, nil
}

// skipString returns the index just past the string starting at i. It
// jumps from quote to quote, looking for backslashes only in between.
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return 0, errShape
		}
		q += j
		bs := bytes.IndexByte(b[j:q], '\\')
		if bs < 0 {
			return q + 1, nil
		}
		j += bs + 2
		if j > len(b) {
			return 0, errShape
		}
	}
}

// eachField calls fn with every member of the object b, in order: its
// name (unquoted) and its value's bytes.
func eachField(b []byte, fn func(key string, val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("want a JSON object")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) {
		if b[i] != '"' {
			return errShape
		}
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := string(b[i+1 : end-1])
		if bytes.IndexByte(b[i:end], '\\') >= 0 {
			if err := json.Unmarshal(b[i:end], &key); err != nil {
				return err
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return errShape
		}
		start := skipSpace(b, i+1)
		vend, err := skipValue(b, start)
		if err != nil {
			return err
		}
		if err := fn(key, b[start:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return errShape
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] != ',' {
			return errShape
		}
		i = skipSpace(b, i+1)
	}
	return errShape
}

// elems returns the elements of the array b; null is an empty array.
func elems(b []byte) ([][]byte, error) {
	i := skipSpace(b, 0)
	if isNull(b) {
		return nil, nil
	}
	if i >= len(b) || b[i] != '[' {
		return nil, fmt.Errorf("want a JSON array")
	}
	var out [][]byte
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, nil
	}
	for i < len(b) {
		start := i
		end, err := skipValue(b, start)
		if err != nil {
			return nil, err
		}
		out = append(out, b[start:end])
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, errShape
		}
		if b[i] == ']' {
			return out, nil
		}
		if b[i] != ',' {
			return nil, errShape
		}
		i = skipSpace(b, i+1)
	}
	return nil, errShape
}
