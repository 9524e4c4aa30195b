package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// A request whose client hung up is noted at info as 499, not logged as an
// internal error, and no page is written.
func TestClientHangUpIsNotAnError(t *testing.T) {
	var logs strings.Builder
	h := &Handlers{Deps: Deps{Logger: slog.New(slog.NewTextHandler(&logs, nil))}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest("GET", "/posts", nil).WithContext(ctx), rec)

	h.handleError(fmt.Errorf("list posts: %w", context.Canceled), c)

	if c.Response().Status != statusClientClosed || c.Response().Committed || rec.Body.Len() != 0 {
		t.Errorf("status %d, committed %v, body %q; want 499 recorded and nothing written", c.Response().Status, c.Response().Committed, rec.Body.String())
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") || !strings.Contains(out, "client closed the request") {
		t.Errorf("log %q: want one info line saying the client closed the request, no error", out)
	}
}
