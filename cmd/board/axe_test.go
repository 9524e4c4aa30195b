package main

// Accessibility and phone-width checks that every browser test runs on every
// page it visits: axe-core (from npm, pinned in .ci/package.json) injected
// through chromedp, at desktop width and at 360 px, where the page must also
// fit without horizontal scrolling.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const (
	phoneWidth  = 360
	phoneHeight = 740
)

// axePath is axe-core's browser build as `npm ci --prefix .ci` installs it.
var axePath = filepath.Join("..", "..", ".ci", "node_modules", "axe-core", "axe.min.js")

// axeSource reads axe-core once for the whole test binary.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(axePath)
	return string(b), err
})

// requireAxe returns axe-core's source, or skips the test (fails it on CI)
// with the command that installs it.
func requireAxe(t *testing.T) string {
	t.Helper()
	src, err := axeSource()
	if err == nil {
		return src
	}
	msg := fmt.Sprintf("axe-core not found at %s (%v); install it with: npm ci --prefix .ci", axePath, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// axeViolation is one failed axe rule, as axe.run reports it.
type axeViolation struct {
	ID          string `json:"id"`
	Impact      string `json:"impact"`
	Help        string `json:"help"`
	Description string `json:"description"`
	Nodes       []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&sb, "\n      at %v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", "; "))
	}
	return sb.String()
}

// runAxe runs axe-core on the current page and returns its violations.
func (p *person) runAxe(ctx context.Context) ([]axeViolation, error) {
	script := `(async () => {
		if (typeof axe === "undefined") { ` + p.axe + ` }
		const r = await axe.run(document, { resultTypes: ["violations"] });
		return JSON.stringify(r.violations);
	})()`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, err
	}
	var vs []axeViolation
	return vs, json.Unmarshal([]byte(out), &vs)
}

// audit checks the current page: axe-core clean at the person's own width
// and at the other of desktop and phone, and no horizontal scrolling at
// 360 px. It leaves the person's viewport as it was.
func (p *person) audit() {
	p.t.Helper()
	loc := step(p, "read location", chromedp.Location())
	if !strings.HasPrefix(loc, p.base+"/") {
		return // another site (the stand-in provider) is not ours to check
	}
	page := strings.TrimPrefix(loc, p.base)
	ctx, cancel := context.WithTimeout(p.ctx, 2*stepTimeout)
	defer cancel()
	for _, phone := range []bool{false, true} {
		width := "desktop"
		if phone {
			width = fmt.Sprintf("%d px", phoneWidth)
			if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight)); err != nil {
				p.t.Fatalf("%s: narrowing the window on %s: %v", p.name, page, err)
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
			if err != nil {
				p.t.Fatalf("%s: measuring %s: %v", p.name, page, err)
			}
			if overflow > 0 {
				p.t.Errorf("%s: %s is %d px wider than a %d px screen: it scrolls sideways", p.name, page, overflow, phoneWidth)
			}
		}
		vs, err := p.runAxe(ctx)
		if err != nil {
			p.t.Fatalf("%s: axe-core on %s: %v", p.name, page, err)
		}
		for _, v := range vs {
			p.t.Errorf("%s: axe-core on %s at %s: %s", p.name, page, width, v)
		}
	}
	p.audited++
	p.restoreViewport(ctx)
}

// restoreViewport puts the person's window back to its own size.
func (p *person) restoreViewport(ctx context.Context) {
	p.t.Helper()
	var err error
	if p.phone {
		_, err = chromedp.Run(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight))
	} else {
		_, err = chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
			return err
		}))
	}
	if err != nil {
		p.t.Fatalf("%s: restoring the window: %v", p.name, err)
	}
}
