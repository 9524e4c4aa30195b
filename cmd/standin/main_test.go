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
