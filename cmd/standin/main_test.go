package main

import (
	"strings"
	"testing"

	"board/handlers/standin"
)

// The stand-in is a test double: it must never listen beyond loopback.
func TestRefusesNonLoopbackAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0"} {
		err := run(addr, "http://127.0.0.1:8080", standin.Client{ID: "g", Secret: "s"}, standin.Client{ID: "f", Secret: "s"})
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("run(%q) = %v, want a refusal naming loopback", addr, err)
		}
	}
}

// What the stand-in prints is the board's configuration, line for line:
// every BOARD_* setting the board needs to sign in through it.
func TestPrintsTheBoardSettings(t *testing.T) {
	g := standin.Client{ID: "gid", Secret: "gsecret", RedirectURIs: []string{"http://127.0.0.1:8080/auth/google/callback"}}
	fb := standin.Client{ID: "fid", Secret: "fsecret", RedirectURIs: []string{"http://127.0.0.1:8080/auth/facebook/callback"}}
	out := settings("http://127.0.0.1:9999", g, fb)
	for _, line := range []string{
		"export BOARD_GOOGLE_ISSUER=http://127.0.0.1:9999\n",
		"export BOARD_GOOGLE_CLIENT_ID=gid\n",
		"export BOARD_GOOGLE_CLIENT_SECRET=gsecret\n",
		"export BOARD_FACEBOOK_CLIENT_ID=fid\n",
		"export BOARD_FACEBOOK_CLIENT_SECRET=fsecret\n",
		"export BOARD_FACEBOOK_AUTH_URL=http://127.0.0.1:9999" + standin.FacebookAuthPath + "\n",
		"export BOARD_FACEBOOK_TOKEN_URL=http://127.0.0.1:9999" + standin.FacebookTokenPath + "\n",
		"export BOARD_FACEBOOK_GRAPH_URL=http://127.0.0.1:9999" + standin.FacebookGraphPath + "\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("the printout lacks %q:\n%s", line, out)
		}
	}
}
