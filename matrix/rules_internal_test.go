package matrix_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
)

// ruleConstants returns the values of every constant of type Rule declared
// in the package's source, so that a test can tell when one is left out of
// matrix.Rules.
func ruleConstants(t *testing.T) []matrix.Rule {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []matrix.Rule
	for _, f := range pkgs["matrix"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Rule" {
					continue
				}
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						out = append(out, matrix.Rule(s))
					}
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("found no Rule constants in the package source")
	}
	return out
}
