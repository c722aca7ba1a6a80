package env_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
)

// TestAllListsEveryConstant parses env.go: every constant has a doc
// comment, and All holds every one of them but Prefix, once.
func TestAllListsEveryConstant(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "env.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			name := vs.Names[0].Name
			if vs.Doc == nil && (len(g.Specs) > 1 || g.Doc == nil) {
				t.Errorf("constant %s has no doc comment", name)
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok {
				t.Errorf("constant %s is not a string literal", name)
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			if name != "Prefix" {
				declared = append(declared, v)
			}
		}
	}
	if !slices.Equal(declared, env.All) {
		t.Errorf("All = %q, want every declared variable in order: %q", env.All, declared)
	}
	seen := map[string]bool{}
	for _, v := range env.All {
		if seen[v] {
			t.Errorf("All lists %s twice", v)
		}
		seen[v] = true
	}
}

// skipDir reports whether a walk of the module skips a directory: Git's,
// the recorded cassettes and the generated reports.
func skipDir(rel string) bool {
	return rel == ".git" || rel == "cassettes" || rel == "reports"
}

// TestNoNameLiteralsOutsideEnv fails for every string literal in a non-test
// Go file outside this package that starts with "CACHECASCADE_": the name
// must come from a constant here, so a new variable cannot bypass the set.
func TestNoNameLiteralsOutsideEnv(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDir(rel) || rel == "internal/env" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(rel, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING {
				continue
			}
			if v, err := strconv.Unquote(lit); err == nil && strings.HasPrefix(v, env.Prefix) {
				found = append(found, fset.Position(pos).String()+": "+lit)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("%d string literals spell a CACHECASCADE_ variable outside internal/env; use the constants of package env:\n  %s",
			len(found), strings.Join(found, "\n  "))
	}
}

// TestEveryMentionedNameIsListed reads every text file of the module but
// the tests (sources, comments, README, scripts, workflows): each
// CACHECASCADE_ name it mentions is one of All, so a misspelt or undeclared
// variable shows. Tests may make up names, such as one a program must pass
// through untouched.
func TestEveryMentionedNameIsListed(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, v := range env.All {
		known[v] = true
	}
	name := regexp.MustCompile(regexp.QuoteMeta(env.Prefix) + `[A-Z0-9_]*[A-Z0-9]`)
	unknown := map[string][]string{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDir(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 { // a binary, such as a built program
			return nil
		}
		for _, n := range name.FindAll(b, -1) {
			if !known[string(n)] && !slices.Contains(unknown[string(n)], rel) {
				unknown[string(n)] = append(unknown[string(n)], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for n, files := range unknown {
		lines = append(lines, n+" in "+strings.Join(files, ", "))
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		t.Errorf("names not declared in package env:\n  %s", strings.Join(lines, "\n  "))
	}
}
