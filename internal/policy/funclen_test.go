package policy

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/modroot"
)

// maxFuncLines is the most lines a non-test function (a declaration or a
// function literal) may span, from its func line to its closing brace. A
// longer function is split into named phases, each short enough to read as
// one step and named for what it does; the issue "One path for every check"
// set the limit.
const maxFuncLines = 80

// funcSpan is one function as measured: its name, the line of its func
// keyword and how many lines it spans.
type funcSpan struct {
	name  string
	line  int
	lines int
}

// TestFuncLength fails listing every function in the module's non-test Go
// files that is longer than maxFuncLines.
func TestFuncLength(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	files, err := moduleSources(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files found under %s", root)
	}
	var long []string
	for _, rel := range files {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.Join(root, rel), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range overLimit(measure(fset, f)) {
			long = append(long, fmt.Sprintf("%s:%d %s (%d lines)", filepath.ToSlash(rel), s.line, s.name, s.lines))
		}
	}
	if len(long) > 0 {
		t.Errorf("%d functions are longer than %d lines; split each into named phases:\n\t%s",
			len(long), maxFuncLines, strings.Join(long, "\n\t"))
	}
}

// moduleSources returns the paths, relative to root and in lexical order,
// of the module's non-test Go files. It skips .git, testdata, vendor,
// node_modules, hidden directories and any directory holding another
// module's go.mod.
func moduleSources(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path == root {
				return nil
			}
			switch {
			case name == "testdata", name == "vendor", name == "node_modules", strings.HasPrefix(name, "."):
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		out = append(out, rel)
		return nil
	})
	return out, err
}

// measure returns every function declaration and function literal in f, in
// source order, with the lines each spans. A literal is measured on its
// own (its lines also count towards the function around it) and named
// after the declaration it sits in with .funcN appended, N counting that
// declaration's literals in source order; a literal outside any function
// is named after the package.
func measure(fset *token.FileSet, f *ast.File) []funcSpan {
	var out []funcSpan
	span := func(name string, n ast.Node) funcSpan {
		start, end := fset.Position(n.Pos()).Line, fset.Position(n.End()).Line
		return funcSpan{name: name, line: start, lines: end - start + 1}
	}
	for _, decl := range f.Decls {
		outer := f.Name.Name
		if fd, ok := decl.(*ast.FuncDecl); ok {
			outer = funcName(fd)
			out = append(out, span(outer, fd))
		}
		literals := 0
		ast.Inspect(decl, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok {
				literals++
				out = append(out, span(fmt.Sprintf("%s.func%d", outer, literals), lit))
			}
			return true
		})
	}
	return out
}

// funcName returns a declaration's name, with its receiver's type for a
// method: "run", "Matrix.layout".
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	for {
		switch t := typ.(type) {
		case *ast.StarExpr:
			typ = t.X
			continue
		case *ast.IndexExpr:
			typ = t.X
			continue
		case *ast.IndexListExpr:
			typ = t.X
			continue
		case *ast.Ident:
			return t.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
}

// overLimit returns the spans longer than maxFuncLines.
func overLimit(spans []funcSpan) []funcSpan {
	var out []funcSpan
	for _, s := range spans {
		if s.lines > maxFuncLines {
			out = append(out, s)
		}
	}
	return out
}

// TestMeasure checks the measuring on small sources, so that the rule can
// be seen to fail: a function one line over the limit is reported.
func TestMeasure(t *testing.T) {
	body := func(lines int) string { // a function spanning lines lines
		return "func long() {\n" + strings.Repeat("\tprintln()\n", lines-2) + "}\n"
	}
	tests := []struct {
		name string
		src  string
		want []funcSpan
		over []funcSpan
	}{
		{
			name: "three-line function",
			src:  "package p\n\nfunc f() {\n\tprintln()\n}\n",
			want: []funcSpan{{"f", 3, 3}},
		},
		{
			name: "one-line function",
			src:  "package p\n\nfunc f() {}\n",
			want: []funcSpan{{"f", 3, 1}},
		},
		{
			name: "doc comment not counted",
			src:  "package p\n\n// f does nothing.\n//\n// Really.\nfunc f() {\n}\n",
			want: []funcSpan{{"f", 6, 2}},
		},
		{
			name: "literal measured on its own",
			src:  "package p\n\nfunc f() {\n\tg := func() {\n\t\tprintln()\n\t}\n\tg()\n\tgo func() {}()\n}\n",
			want: []funcSpan{{"f", 3, 7}, {"f.func1", 4, 3}, {"f.func2", 8, 1}},
		},
		{
			name: "methods named with their receiver",
			src:  "package p\n\ntype T[E any] []E\n\nfunc (t *T[E]) m() {\n}\n\nfunc (T[E]) n() {}\n",
			want: []funcSpan{{"T.m", 5, 2}, {"T.n", 8, 1}},
		},
		{
			name: "package-level literal",
			src:  "package p\n\nvar v = func() int {\n\treturn 1\n}()\n",
			want: []funcSpan{{"p.func1", 3, 3}},
		},
		{
			name: "at the limit",
			src:  "package p\n\n" + body(maxFuncLines),
			want: []funcSpan{{"long", 3, maxFuncLines}},
		},
		{
			name: "one line over the limit",
			src:  "package p\n\n" + body(maxFuncLines+1),
			want: []funcSpan{{"long", 3, maxFuncLines + 1}},
			over: []funcSpan{{"long", 3, maxFuncLines + 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", tt.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			got := measure(fset, f)
			if !slices.Equal(got, tt.want) {
				t.Errorf("measure = %v, want %v", got, tt.want)
			}
			if over := overLimit(got); !slices.Equal(over, tt.over) {
				t.Errorf("overLimit = %v, want %v", over, tt.over)
			}
		})
	}
}
