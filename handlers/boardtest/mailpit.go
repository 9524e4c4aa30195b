package boardtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MailpitInstall is how to get the SMTP server the mail tests talk to.
const MailpitInstall = "go install github.com/axllent/mailpit@v1.33.1"

// Mailpit is a real SMTP server (github.com/axllent/mailpit) started for
// one test on free loopback ports; its REST API shows what it received.
type Mailpit struct {
	Host string // 127.0.0.1
	SMTP int    // SMTP port
	API  string // base URL of the web UI and REST API
}

// mailpitPath finds the mailpit binary on PATH or where go install puts it.
func mailpitPath() (string, bool) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, true
	}
	p := filepath.Join(build.Default.GOPATH, "bin", "mailpit")
	_, err := os.Stat(p)
	return p, err == nil
}

// StartMailpit starts mailpit with extra flags (TLS, auth, chaos) and stops
// it when the test ends. Without mailpit the test is skipped with the
// install hint, except under CI=true, where it fails.
func StartMailpit(t testing.TB, extra ...string) *Mailpit {
	t.Helper()
	path, ok := mailpitPath()
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mailpit is not installed (CI=true): %s", MailpitInstall)
		}
		t.Skipf("mailpit is not installed; to run the SMTP tests: %s", MailpitInstall)
	}
	var lastErr error
	for range 3 { // a free port can be taken between finding and using it
		m, err := startMailpit(t, path, extra)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatalf("starting mailpit: %v", lastErr)
	return nil
}

func startMailpit(t testing.TB, path string, extra []string) (*Mailpit, error) {
	smtpPort, apiPort := freePort(t), freePort(t)
	m := &Mailpit{Host: "127.0.0.1", SMTP: smtpPort, API: fmt.Sprintf("http://127.0.0.1:%d", apiPort)}
	args := append([]string{"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", apiPort),
		"--disable-version-check", "--smtp-disable-rdns"}, extra...)
	cmd := exec.Command(path, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("mailpit exited (%v): %s", err, out.String())
		default:
		}
		if res, err := http.Get(m.API + "/livez"); err == nil {
			res.Body.Close()
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(m.Host, strconv.Itoa(m.SMTP)), time.Second); err == nil && res.StatusCode == http.StatusOK {
				c.Close()
				t.Cleanup(stop)
				return m, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("mailpit did not come up: %s", out.String())
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// SMTPURL is the URL the board is configured with to send here.
func (m *Mailpit) SMTPURL(scheme, userinfo string) string {
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(m.Host, strconv.Itoa(m.SMTP))}
	if user, pass, ok := strings.Cut(userinfo, ":"); ok {
		u.User = url.UserPassword(user, pass)
	}
	return u.String()
}

// MailpitAddress is a name and address as mailpit reports them.
type MailpitAddress struct{ Name, Address string }

// MailpitMessage is one received message.
type MailpitMessage struct {
	ID       string
	From     MailpitAddress
	To       []MailpitAddress
	Subject  string
	Text     string
	HTML     string
	Username string // the SMTP login used to send it, if any
}

func (m *Mailpit) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	res, err := http.Get(m.API + path)
	if err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: status %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
}

// To lists the messages received for address, newest first, in full.
func (m *Mailpit) To(t testing.TB, address string) []MailpitMessage {
	t.Helper()
	var found struct{ Messages []MailpitMessage }
	m.getJSON(t, "/api/v1/search?"+url.Values{"query": {"to:" + address}}.Encode(), &found)
	var full []MailpitMessage
	for _, s := range found.Messages {
		var msg MailpitMessage
		m.getJSON(t, "/api/v1/message/"+s.ID, &msg)
		msg.Username = s.Username
		full = append(full, msg)
	}
	return full
}

// WaitFor waits until address has received n messages (the board's worker
// sends in the background) and returns them, newest first.
func (m *Mailpit) WaitFor(t testing.TB, address string, n int) []MailpitMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := m.To(t, address)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit: %d message(s) for %s after 15s, want %d", len(got), address, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Headers returns a received message's headers.
func (m *Mailpit) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	m.getJSON(t, "/api/v1/message/"+id+"/headers", &h)
	return h
}

// RefuseRecipients makes mailpit answer every RCPT TO with code (a 4xx is
// a temporary refusal, a 5xx a permanent one); 0 accepts again. mailpit
// must have been started with --enable-chaos.
func (m *Mailpit) RefuseRecipients(t testing.TB, code int) {
	t.Helper()
	probability := 100
	if code == 0 {
		code, probability = 451, 0
	}
	body := fmt.Sprintf(`{"Recipient":{"ErrorCode":%d,"Probability":%d}}`, code, probability)
	req, err := http.NewRequest(http.MethodPut, m.API+"/api/v1/chaos", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit chaos: status %d", res.StatusCode)
	}
}
