package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
	"github.com/cachecascade/cachecascade/internal/env"
)

// The file names WriteFiles uses.
const (
	// MarkdownFile holds Matrix.Markdown.
	MarkdownFile = "matrix.md"
	// JSONFile holds Matrix.JSON.
	JSONFile = "matrix.json"
	// HTMLFile holds Matrix.HTML.
	HTMLFile = "matrix.html"
)

// WriteFiles writes the matrix to dir as matrix.md, matrix.json and
// matrix.html, creating dir if needed, and returns the paths it wrote in
// that order. The three are written at once, each with atomicfile.WriteWith
// (a temporary file in dir, fsynced and renamed into place, mode 0644), so
// a reader sees either the old file or the complete new one and no
// temporary file is left behind, even on error. On error the paths of the
// files before the first that failed, in that order, are returned with it.
func WriteFiles(m Matrix, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	// The three files only read m: rendered and written side by side, the
	// report of the full matrix costs the longest of them, not the sum. The
	// JSON is written a row at a time, never held whole.
	files := []struct {
		name string
		fill func(w io.Writer) error
	}{
		{MarkdownFile, func(w io.Writer) error { _, err := io.WriteString(w, m.Markdown()); return err }},
		{JSONFile, m.WriteJSON},
		{HTMLFile, m.WriteHTML},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(files))
	for i, f := range files {
		wg.Go(func() { errs[i] = atomicfile.WriteWith(filepath.Join(dir, f.name), 0o644, f.fill) })
	}
	wg.Wait()
	var paths []string
	for i, f := range files {
		if errs[i] != nil {
			return paths, fmt.Errorf("report: %w", errs[i])
		}
		paths = append(paths, filepath.Join(dir, f.name))
	}
	return paths, nil
}

// GitHubSummaryEnv is the environment variable GitHub Actions sets to the
// file a step appends its Markdown summary to (env.GitHubStepSummary).
const GitHubSummaryEnv = env.GitHubStepSummary

// AppendGitHubSummary appends the matrix's Markdown, followed by a blank
// line, to the file named by $GITHUB_STEP_SUMMARY. It does nothing and
// returns nil when the variable is unset or empty.
func AppendGitHubSummary(m Matrix) error {
	path := os.Getenv(GitHubSummaryEnv)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("report: step summary: %w", err)
	}
	_, werr := f.WriteString(m.Markdown() + "\n")
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("report: step summary: %w", err)
	}
	return nil
}
