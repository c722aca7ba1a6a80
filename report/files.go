package report

import (
	"errors"
	"fmt"
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
// that order. Each file is written with atomicfile.WriteFile (a temporary
// file in dir, fsynced and renamed into place, mode 0644), so a reader sees
// either the old file or the complete new one and no temporary file is left
// behind, even on error. On error the paths already written are returned
// with it.
func WriteFiles(m Matrix, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	// The three renderings only read m: rendered side by side, the
	// report of the full matrix costs the longest of them, not the sum.
	var (
		wg       sync.WaitGroup
		md, html string
		js       []byte
		err      error
	)
	wg.Go(func() { md = m.Markdown() })
	wg.Go(func() { html = m.HTML() })
	js, err = m.JSON()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		data []byte
	}{
		{MarkdownFile, []byte(md)},
		{JSONFile, js},
		{HTMLFile, []byte(html)},
	}
	var paths []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := atomicfile.WriteFile(path, f.data, 0o644); err != nil {
			return paths, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, path)
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
