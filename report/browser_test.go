//go:build browser

package report_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/cachecascade/cachecascade/report"
)

// The browser test opens the HTML report in headless Chromium (Debian's
// chromium; scripts/browser installs it where missing and runs this test):
//
//	go test -tags browser -run TestBrowser ./report/
//
// It checks the page built from the test fixture and, when there is one,
// the real report scripts/verify wrote (-report PATH, else
// ../reports/matrix.html), and saves a screenshot of the real one (else of
// the fixture) as matrix.png beside the real report's path.

var browserReport = flag.String("report", "", "the HTML report to open besides the fixture's page (default ../reports/matrix.html, when it exists)")

// pageFacts is what the test reads from a page's DOM.
type pageFacts struct {
	Strips, Cells, Charts, Steps, Titled, Outlined int
	StripWidth, ChartWidth                         float64
	NovaRowsShown, NovaRowsHidden                  int
	Emoji                                          bool
	// Fills and Icons are read in forced colours (high contrast) too: the
	// distinct fills of the read, written and uncached squares, and the
	// badges whose shape is painted in another colour than the badge.
	Fills, Icons, ForcedFills, ForcedIcons int
}

// readColours counts the distinct fills of the strip states and the badge
// icons painted in another colour than their badge.
const readColours = `(() => {
  const fills = new Set(['read', 'written', 'uncached'].map(s => document.querySelector('svg.strip rect.s-' + s)).filter(Boolean).map(e => getComputedStyle(e).fill));
  const icons = [...document.querySelectorAll('.badge i')].filter(e => getComputedStyle(e).backgroundColor !== getComputedStyle(e.parentElement).backgroundColor).length;
  return [fills.size, icons];
})()`

// readFacts is the script that fills pageFacts, after unticking the Nova
// family filter to see the CSS-only filter hide Nova's rows.
const readFacts = `(() => {
  const q = s => document.querySelectorAll(s);
  const shown = () => [...q('table.matrix tr.fam-nova')].filter(e => getComputedStyle(e).display !== 'none').length;
  const f = {
    Strips: q('svg.strip').length,
    Cells: q('table.matrix td.cell[id]').length,
    Charts: q('figure.cost-chart svg.bars').length,
    Steps: q('svg.strip g[tabindex="0"]').length,
    Titled: q('svg.strip g[tabindex="0"] > title').length,
    Outlined: q('svg.strip rect.d').length,
    StripWidth: q('svg.strip').length ? q('svg.strip')[0].getBoundingClientRect().width : 0,
    ChartWidth: q('figure.cost-chart svg.bars').length ? q('figure.cost-chart svg.bars')[0].getBoundingClientRect().width : 0,
    NovaRowsShown: shown(),
    Emoji: /[\u2705\u274C\u26D4\u26A0\u23ED]/.test(document.body.innerText),
  };
  const box = document.getElementById('f-fam-nova');
  if (box) { box.click(); f.NovaRowsHidden = q('table.matrix tr.fam-nova').length - shown(); box.click(); }
  return f;
})()`

// browse opens path in a new tab of the browser in ctx and returns what
// readFacts found, the console messages of type error or warning and the
// exceptions, and a screenshot of the top of the page.
func browse(t *testing.T, ctx context.Context, path string) (pageFacts, []string, []byte) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatal(err)
	}
	listen, stop := context.WithCancel(ctx)
	messages := chromedp.Console(listen)
	var problems []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning {
				problems = append(problems, m.String())
			}
		}
	}()
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1400, 1800),
		chromedp.Navigate("file://"+abs),
		chromedp.WaitReady("body"),
	)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	f, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](readFacts))
	if err != nil {
		t.Fatalf("%s: reading the DOM: %v", path, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("%s: screenshot: %v", path, err)
	}
	colours := func() (fills, icons int) {
		c, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](readColours))
		if err != nil || len(c) != 2 {
			t.Fatalf("%s: reading the colours: %v", path, err)
		}
		return c[0], c[1]
	}
	f.Fills, f.Icons = colours()
	forced := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "forced-colors", Value: "active"}}}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, forced); err != nil {
		t.Fatalf("%s: forced colours: %v", path, err)
	}
	f.ForcedFills, f.ForcedIcons = colours()
	time.Sleep(200 * time.Millisecond) // late messages
	stop()
	<-done
	return f, problems, shot
}

// expectedCounts counts, from the matrix (not the page), the cascade
// cells, the strips (one per cascade cell and one per changes row with a
// step drawn by its layers), the models with a cost, and the steps the
// strips must draw.
func expectedCounts(m report.Matrix) (cells, strips, models, steps int) {
	seenCell, seenModel := map[string]bool{}, map[string]float64{}
	for _, r := range m.Rows {
		if r.Model != "" {
			seenModel[r.Model] += r.CostWithoutCacheUSD
		}
		if r.Area == report.AreaChanges && slices.ContainsFunc(r.Steps, func(s report.Step) bool { return len(s.Layers) > 0 }) {
			strips++
			steps += len(r.Steps)
			continue
		}
		if r.Area != report.AreaCascade || r.Model == "" || r.Strategy == "" {
			continue
		}
		api := r.API
		if api == "" {
			api = report.APIConverse
		}
		k := api + "|" + r.Model + "|" + r.Strategy
		if !seenCell[k] {
			seenCell[k] = true
		}
		steps += len(r.Steps)
	}
	for _, usd := range seenModel {
		if usd > 0 {
			models++
		}
	}
	return len(seenCell), strips + len(seenCell), models, steps
}

func TestBrowser(t *testing.T) {
	chrome := os.Getenv("CHROMIUM")
	if chrome == "" {
		var err error
		if chrome, err = exec.LookPath("chromium"); err != nil {
			t.Fatalf("no chromium: %v (scripts/browser installs it: apt-get install -y chromium)", err)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("hide-scrollbars", true))
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx) // the browser, shared by the pages
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chrome, err)
	}

	// The listener sees what it must: a page that logs an error and throws.
	noisy := filepath.Join(t.TempDir(), "noisy.html")
	if err := os.WriteFile(noisy, []byte("<!DOCTYPE html><title>x</title><body><script>console.error('boom'); null.x</script>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, problems, _ := browse(t, ctx, noisy); len(problems) < 2 {
		t.Fatalf("a page with a console error and an exception gave %q: the test cannot see them", problems)
	}

	type page struct {
		name, html string
		m          report.Matrix
	}
	fixturePage := filepath.Join(t.TempDir(), "fixture.html")
	fm := withSteps(fixture())
	if err := os.WriteFile(fixturePage, []byte(fm.HTML()), 0o644); err != nil {
		t.Fatal(err)
	}
	pages := []page{{"fixture", fixturePage, fm}}
	real := *browserReport
	required := real != ""
	if real == "" {
		real = filepath.Join("..", "reports", report.HTMLFile)
	}
	if _, err := os.Stat(real); err == nil {
		js, err := os.ReadFile(filepath.Join(filepath.Dir(real), report.JSONFile))
		if err != nil {
			t.Fatalf("the report %s has no %s beside it: %v", real, report.JSONFile, err)
		}
		m, err := report.ParseJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page{"real", real, m})
	} else if required {
		t.Fatalf("-report %s: %v (run scripts/verify first)", real, err)
	} else {
		t.Logf("no real report at %s (scripts/verify writes it): checking the fixture's page only", real)
	}

	var shot []byte
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			info, err := os.Stat(p.html)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() >= 2<<20 {
				t.Errorf("%s is %d bytes, want one file under 2 MB", p.html, info.Size())
			}
			f, problems, png := browse(t, ctx, p.html)
			shot = png
			cells, strips, models, steps := expectedCounts(p.m)
			t.Logf("%s: %d bytes, %+v", p.name, info.Size(), f)
			if cells == 0 || f.Strips != strips || f.Cells != cells {
				t.Errorf("%d strips in %d cascade cells on the page; the matrix has %d cascade cells and %d strips (the changes rows draw one each)", f.Strips, f.Cells, cells, strips)
			}
			if models == 0 || f.Charts != models {
				t.Errorf("%d cost charts; the matrix has %d models with a cost", f.Charts, models)
			}
			if f.Steps < steps || f.Titled != f.Steps {
				t.Errorf("%d focusable step columns (%d with a title); the strips' rows have %d steps", f.Steps, f.Titled, steps)
			}
			if f.StripWidth < 10 || f.ChartWidth < 100 {
				t.Errorf("the pictures are not drawn: strip %.0f px wide, chart %.0f px", f.StripWidth, f.ChartWidth)
			}
			if f.NovaRowsShown > 0 && f.NovaRowsHidden != f.NovaRowsShown {
				t.Errorf("unticking the nova filter hid %d of %d Nova rows", f.NovaRowsHidden, f.NovaRowsShown)
			}
			if f.Fills != 3 || f.ForcedFills != 3 {
				t.Errorf("read, written and uncached squares have %d distinct fills, %d in forced colours; want 3 and 3", f.Fills, f.ForcedFills)
			}
			if badges := strings.Count(mustRead(t, p.html), `<span class="badge `); f.Icons != badges || f.ForcedIcons != badges {
				t.Errorf("%d of %d badges paint their shape, %d in forced colours", f.Icons, badges, f.ForcedIcons)
			}
			if f.Emoji {
				t.Errorf("the page's text shows emoji")
			}
			if p.name == "fixture" && f.Outlined != 1 {
				t.Errorf("%d outlined squares, want the 1 the fixture breaks", f.Outlined)
			}
			for _, pr := range problems {
				t.Errorf("browser: %s", pr)
			}
		})
	}
	out := filepath.Join(filepath.Dir(real), "matrix.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
}

// mustRead returns the file's content.
func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
