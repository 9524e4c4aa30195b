package models_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The layering of the board, checked by the compiler's own view of it
// (`go list`) rather than by discipline.
type layerRule struct {
	pkgs       string   // a `go list` pattern
	exempt     string   // a package the pattern matches that the rule spares
	transitive bool     // forbid anywhere in the dependency tree, not only direct imports
	forbidden  []string // import paths
	why        string
}

var layerRules = []layerRule{
	{"board/models/...", "", true, []string{"database/sql", "net/http", "github.com/labstack/echo/v4", "board/db"},
		"models is the pure domain: stores are interfaces that db implements"},
	{"board/views", "", true, []string{"database/sql", "board/db"},
		"views render what handlers hand them and never reach the database"},
	// boardtest is the test harness: like cmd/board, it wires the real
	// database to the handlers.
	{"board/handlers/...", "board/handlers/boardtest", false, []string{"database/sql", "board/db"},
		"handlers call stores and services; SQL lives in db"},
}

// goList maps each package matching pattern to its imports (direct, or
// with transitive every dependency).
func goList(t *testing.T, pattern string, transitive bool) map[string][]string {
	t.Helper()
	format := `{{.ImportPath}}:{{join .Imports " "}}`
	if transitive {
		format = `{{.ImportPath}}:{{join .Deps " "}}`
	}
	out, err := exec.Command("go", "list", "-f", format, pattern).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, out)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		pkg, imports, _ := strings.Cut(strings.TrimSpace(line), ":")
		deps[pkg] = strings.Fields(imports)
	}
	return deps
}

// violations lists "pkg imports x" for every forbidden import in deps.
func violations(deps map[string][]string, forbidden []string) []string {
	var out []string
	for pkg, imports := range deps {
		for _, f := range forbidden {
			if slices.Contains(imports, f) {
				out = append(out, pkg+" imports "+f)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestArchitectureLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, r := range layerRules {
		deps := goList(t, r.pkgs, r.transitive)
		delete(deps, r.exempt)
		if len(deps) == 0 {
			t.Errorf("%s matches no package", r.pkgs)
		}
		for _, v := range violations(deps, r.forbidden) {
			t.Errorf("%s: %s", v, r.why)
		}
	}
}

// The rule check itself must be able to fail: a package list that breaks a
// rule is reported, and one that keeps it is not.
func TestArchitectureViolationsAreReported(t *testing.T) {
	deps := map[string][]string{
		"board/models":      {"context", "database/sql"},
		"board/models/auth": {"board/models", "time"},
	}
	got := violations(deps, layerRules[0].forbidden)
	if want := []string{"board/models imports database/sql"}; !slices.Equal(got, want) {
		t.Errorf("violations = %q, want %q", got, want)
	}
}
