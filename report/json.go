package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Schema names the JSON format JSON writes and ParseJSON reads.
const Schema = "cachecascade.report/v1"

// document is the JSON form of a Matrix. Summary is written for readers
// and ignored when parsing: it is always recomputed from the rows.
type document struct {
	Schema     string      `json:"schema"`
	Title      string      `json:"title"`
	Generated  string      `json:"generated,omitempty"`
	Mode       string      `json:"mode"`
	Target     string      `json:"target"`
	Summary    *summaryDoc `json:"summary,omitempty"`
	Models     []ModelInfo `json:"models"`
	Strategies []string    `json:"strategies"`
	Rows       []Row       `json:"rows"`
}

// summaryDoc is the JSON form of a Summary.
type summaryDoc struct {
	Summary
	Duration string `json:"duration"`
}

// rowAlias has Row's fields without its JSON methods.
type rowAlias Row

// rowDoc is the JSON form of a Row: the duration is written as a Go
// duration string ("1.5s"), which parses back exactly.
type rowDoc struct {
	rowAlias
	Duration string `json:"duration"`
}

// MarshalJSON writes the row with its duration as a string such as "1.5s".
func (r Row) MarshalJSON() ([]byte, error) { return json.Marshal(r.doc()) }

// doc returns the row as MarshalJSON writes it.
func (r Row) doc() rowDoc { return rowDoc{rowAlias: rowAlias(r), Duration: r.Duration.String()} }

// UnmarshalJSON reads a row written by MarshalJSON; a missing duration is
// zero.
func (r *Row) UnmarshalJSON(data []byte) error {
	var d rowDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	*r = Row(d.rowAlias)
	if d.Duration != "" {
		dur, err := time.ParseDuration(d.Duration)
		if err != nil {
			return fmt.Errorf("report: row %q: duration: %w", d.Spec, err)
		}
		r.Duration = dur
	}
	return nil
}

// JSON returns the matrix as indented JSON with a stable field order: the
// schema name, the header fields, a summary computed from the rows, the
// models, the strategies and the rows in the order given. Empty lists are
// written as [] rather than null. ParseJSON reads it back.
func (m Matrix) JSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := m.WriteJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteJSON writes JSON's bytes to w a row at a time, so that the report
// of a large matrix is never held whole in memory.
func (m Matrix) WriteJSON(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m.document()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	const noRows = "\"rows\": []\n}\n"
	head, ok := bytes.CutSuffix(buf.Bytes(), []byte(noRows))
	if !ok || len(m.Rows) == 0 {
		_, err := w.Write(buf.Bytes())
		return err
	}
	if _, err := w.Write(append(head, "\"rows\": [\n"...)); err != nil {
		return err
	}
	// Each row as the document's encoder would indent it at its depth. The
	// row's own document is encoded directly, with HTML escaped as
	// Row.MarshalJSON escapes it: the same bytes, without compacting the
	// output of MarshalJSON first.
	var row bytes.Buffer
	renc := json.NewEncoder(&row)
	renc.SetIndent("    ", "  ")
	for i, r := range m.Rows {
		row.Reset()
		row.WriteString("    ")
		if err := renc.Encode(r.doc()); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		b := bytes.TrimSuffix(row.Bytes(), []byte("\n"))
		if i < len(m.Rows)-1 {
			b = append(b, ',')
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "  ]\n}\n")
	return err
}

// document returns the matrix's JSON document without its rows (an empty
// list), which WriteJSON writes one by one.
func (m Matrix) document() document {
	s := m.Summary()
	d := document{
		Schema:     Schema,
		Title:      m.Title,
		Mode:       m.Mode,
		Target:     m.Target,
		Summary:    &summaryDoc{Summary: s, Duration: s.Duration.String()},
		Models:     m.Models,
		Strategies: m.Strategies,
		Rows:       []Row{},
	}
	if !m.Generated.IsZero() {
		d.Generated = m.Generated.Format(time.RFC3339Nano)
	}
	if d.Models == nil {
		d.Models = []ModelInfo{}
	}
	if d.Strategies == nil {
		d.Strategies = []string{}
	}
	return d
}

// ParseJSON reads a matrix written by JSON. It accepts a document with no
// schema field, rejects any other schema, and ignores the summary, which
// Summary recomputes. Empty lists come back as nil slices.
func ParseJSON(data []byte) (Matrix, error) {
	var d document
	if err := json.Unmarshal(data, &d); err != nil {
		return Matrix{}, fmt.Errorf("report: parse: %w", err)
	}
	if d.Schema != "" && d.Schema != Schema {
		return Matrix{}, fmt.Errorf("report: parse: schema %q, want %q", d.Schema, Schema)
	}
	m := Matrix{Title: d.Title, Mode: d.Mode, Target: d.Target}
	if d.Generated != "" {
		t, err := time.Parse(time.RFC3339Nano, d.Generated)
		if err != nil {
			return Matrix{}, fmt.Errorf("report: parse: generated: %w", err)
		}
		m.Generated = t
	}
	if len(d.Models) > 0 {
		m.Models = d.Models
	}
	if len(d.Strategies) > 0 {
		m.Strategies = d.Strategies
	}
	if len(d.Rows) > 0 {
		m.Rows = d.Rows
	}
	return m, nil
}
