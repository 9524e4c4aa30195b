// Command loadtest measures the board against a bare echo "hello" handler on
// this machine, in interleaved rounds, with wrk as the load generator:
//
//	go run ./cmd/loadtest [-posts 20] [-rounds 3] [-duration 5s] [-connections 64]
//
// Each round loads, one after the other, hello, the signed-in post list, one
// post's page and post creation, so all four see the same machine state. It
// prints requests per second and p99 latency per target and round, then the
// medians and each board figure as a share of hello's. With -pocketbase PATH
// it also serves a members-only list of 20 records from PocketBase in the
// same rounds, for comparison.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"board/db"
	"board/handlers"
	"board/models"
	"board/models/auth"
	"board/models/mail"
	"board/models/tokens"
	"board/views"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type options struct {
	posts       int
	rounds      int
	duration    time.Duration
	connections int
	wrk         string
	pocketbase  string
}

func run(args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.IntVar(&o.posts, "posts", 20, "posts on the board (the list shows the newest 20)")
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved rounds")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "load per target per round")
	fs.IntVar(&o.connections, "connections", 64, "concurrent connections")
	fs.StringVar(&o.wrk, "wrk", "wrk", "wrk binary (Debian: apt-get install wrk)")
	fs.StringVar(&o.pocketbase, "pocketbase", "", "PocketBase binary to compare with (optional)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	only := fs.String("only", "", "comma-separated targets to load (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if _, err := exec.LookPath(o.wrk); err != nil {
		return fmt.Errorf("%s not found: install it with apt-get install wrk", o.wrk)
	}
	dir, err := os.MkdirTemp("", "board-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	targets, stop, err := startBoard(dir, o, out)
	if err != nil {
		return err
	}
	defer stop()
	if o.pocketbase != "" {
		pb, stopPB, err := startPocketBase(o.pocketbase, dir)
		if err != nil {
			return fmt.Errorf("pocketbase: %w", err)
		}
		defer stopPB()
		targets = append(targets, pb)
	}

	if *only != "" {
		targets = slices.DeleteFunc(targets, func(t target) bool { return !slices.Contains(strings.Split(*only, ","), t.name) })
	}
	results := map[string][]result{}
	for round := 1; round <= o.rounds; round++ {
		for _, t := range targets {
			r, err := t.load(o, dir)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			results[t.name] = append(results[t.name], r)
			fmt.Fprintf(out, "round %d  %-10s %9.0f rps  p99 %7.2f ms  errors %d\n", round, t.name, r.rps, r.p99.Seconds()*1000, r.errors)
		}
	}
	fmt.Fprintf(out, "\nmedian of %d rounds (%d connections, %s each; peak RSS of the board's process %s):\n",
		o.rounds, o.connections, o.duration, peakRSS())
	hello := median(results["hello"], func(r result) float64 { return r.rps })
	if hello == 0 {
		hello = math.NaN() // not measured: no share to show
	}
	for _, t := range targets {
		rps := median(results[t.name], func(r result) float64 { return r.rps })
		p99 := median(results[t.name], func(r result) float64 { return r.p99.Seconds() * 1000 })
		fmt.Fprintf(out, "  %-10s %9.0f rps  %6.1f%% of hello  p99 %7.2f ms\n", t.name, rps, 100*rps/hello, p99)
	}
	return nil
}

// target is one URL under load, with what wrk needs to send.
type target struct {
	name   string
	url    string
	header []string // "Name: value"
	script string   // wrk Lua script, for POSTs
	check  func(completed int) error
}

type result struct {
	rps    float64
	p99    time.Duration
	errors int
}

var (
	rpsLine    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	p99Line    = regexp.MustCompile(`\s99%\s+([0-9.]+)(us|ms|s)\b`)
	totalLine  = regexp.MustCompile(`(\d+) requests in`)
	non2xxLine = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	errorsLine = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func (t target) load(o options, dir string) (result, error) {
	args := []string{"-t1", "-c" + strconv.Itoa(o.connections), "-d" + o.duration.String(), "--latency"}
	for _, h := range t.header {
		args = append(args, "-H", h)
	}
	if t.script != "" {
		path := filepath.Join(dir, t.name+".lua")
		if err := os.WriteFile(path, []byte(t.script), 0o600); err != nil {
			return result{}, err
		}
		args = append(args, "-s", path)
	}
	outb, err := exec.Command(o.wrk, append(args, t.url)...).CombinedOutput()
	text := string(outb)
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, text)
	}
	var r result
	m := rpsLine.FindStringSubmatch(text)
	p := p99Line.FindStringSubmatch(text)
	if m == nil || p == nil {
		return result{}, fmt.Errorf("cannot read wrk's output:\n%s", text)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	v, _ := strconv.ParseFloat(p[1], 64)
	r.p99 = time.Duration(v * float64(map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[2]]))
	if m := non2xxLine.FindStringSubmatch(text); m != nil {
		r.errors, _ = strconv.Atoi(m[1])
	}
	if m := errorsLine.FindStringSubmatch(text); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.errors += n
		}
	}
	if t.check != nil {
		completed := 0
		if m := totalLine.FindStringSubmatch(text); m != nil {
			completed, _ = strconv.Atoi(m[1])
		}
		if err := t.check(completed); err != nil {
			return result{}, err
		}
	}
	return r, nil
}

func median(rs []result, f func(result) float64) float64 {
	vs := make([]float64, len(rs))
	for i, r := range rs {
		vs[i] = f(r)
	}
	slices.Sort(vs)
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)/2]
}

// startBoard serves a bare echo hello and the board (seeded with o.posts
// posts and one member, signed in) on loopback, and returns the targets.
func startBoard(dir string, o options, out io.Writer) ([]target, func(), error) {
	ctx := context.Background()
	d, err := db.Open(filepath.Join(dir, "board.db"))
	if err != nil {
		return nil, nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		return nil, nil, err
	}
	st := db.NewStores(d, time.Now, auth.ThrottleWindow)
	const email, password = "load@example.com", "load-test-password-1"
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, nil, err
	}
	member, err := st.Users.Create(ctx, models.NewUser{Email: email, DisplayName: "Load Tester", PasswordHash: hash}, "load test", models.Actor{})
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	var post *models.Post
	for i := range o.posts {
		if post, err = st.Posts.Create(ctx, member.ID, fmt.Sprintf("Post number %d", i+1), strings.Repeat("Some text of a post. ", 20)); err != nil {
			return nil, nil, err
		}
		if i > 0 && i%100000 == 0 {
			fmt.Fprintf(out, "seeded %d posts (%s)\n", i, time.Since(start).Round(time.Second))
		}
	}
	// The request log goes to a file, as a real deployment's would go
	// somewhere: writing it is part of each request's cost.
	logFile, err := os.Create(filepath.Join(dir, "board.log"))
	if err != nil {
		return nil, nil, err
	}
	sessions, stopCleanup := d.SessionStore(5*time.Minute, time.Now)
	boardLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	boardURL := "http://" + boardLn.Addr().String()
	tokenService := tokens.New(st, time.Now, tokens.Config{Issuer: boardURL})
	if err := tokenService.EnsureKeys(ctx); err != nil {
		return nil, nil, err
	}
	board := handlers.New(handlers.Deps{
		Stores:       st,
		Auth:         auth.New(st, mail.NewComposer(views.Letters{}, boardURL, time.Now), time.Now),
		Tokens:       tokenService,
		BaseURL:      boardURL,
		SessionStore: sessions,
		Logger:       slog.New(slog.NewJSONHandler(logFile, nil)),
		// No posting limits: the create target is one member publishing in
		// a loop, who would meet them at once.
		PostingLimits: models.PostingLimits{Unlimited: true},
	})
	hello := echo.New()
	hello.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })
	stopBoard := serve(boardLn, board)
	helloLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	helloURL, stopHello := "http://"+helloLn.Addr().String(), serve(helloLn, hello)
	stop := func() { stopHello(); stopBoard(); stopCleanup(); d.Close(); logFile.Close() }

	cookie, csrf, err := signIn(boardURL, email, password)
	if err != nil {
		stop()
		return nil, nil, err
	}
	before, err := st.Posts.List(ctx, models.PostListFilter{IncludeAllHidden: true}, 0, 1)
	if err != nil {
		stop()
		return nil, nil, err
	}
	lastID := before.Posts[0].ID
	create := target{name: "create", url: boardURL + "/posts", header: []string{"Cookie: " + cookie},
		script: fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n",
			url.Values{"_csrf": {csrf}, "title": {"A post under load"}, "body": {"Written by the load test."}}.Encode()),
		check: func(completed int) error {
			// Every acknowledged create must be stored: count what was added.
			page, err := st.Posts.List(ctx, models.PostListFilter{IncludeAllHidden: true}, 0, 1)
			if err != nil {
				return err
			}
			added := int(page.Posts[0].ID - lastID)
			lastID = page.Posts[0].ID
			if added < completed {
				return fmt.Errorf("%d creates acknowledged, only %d posts stored", completed, added)
			}
			return nil
		}}
	return []target{
		{name: "hello", url: helloURL + "/"},
		{name: "list", url: boardURL + "/posts", header: []string{"Cookie: " + cookie}},
		{name: "post", url: boardURL + "/posts/" + strconv.FormatInt(post.ID, 10), header: []string{"Cookie: " + cookie}},
		create,
	}, stop, nil
}

// serve serves h on ln until the returned func is called.
func serve(ln net.Listener, h http.Handler) func() {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() { srv.Close() }
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs in through the form as a browser would and returns the
// session cookie and the session's CSRF token.
func signIn(base, email, password string) (cookie, csrf string, err error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (string, error) {
		res, err := c.Get(base + path)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return string(b), err
	}
	page, err := get("/login")
	if err != nil {
		return "", "", err
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		return "", "", errors.New("no CSRF field on /login")
	}
	res, err := c.PostForm(base+"/login", url.Values{"_csrf": {m[1]}, "email": {email}, "password": {password}})
	if err != nil {
		return "", "", err
	}
	res.Body.Close()
	if page, err = get("/posts/new"); err != nil {
		return "", "", err
	}
	if m = csrfField.FindStringSubmatch(page); m == nil {
		return "", "", fmt.Errorf("sign-in failed (status %d)", res.StatusCode)
	}
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "board_session" {
			return ck.Name + "=" + ck.Value, m[1], nil
		}
	}
	return "", "", errors.New("no session cookie after sign-in")
}

// peakRSS is this process's peak resident memory (Linux), which holds the
// board and the hello server: everything but wrk.
func peakRSS() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.Join(strings.Fields(rest), " ")
		}
	}
	return "unknown"
}
