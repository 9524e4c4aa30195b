package boardtest_test

import (
	"strings"
	"testing"

	"board/handlers/boardtest"
)

// Clients dial loopback addresses only. The host is a name, not an address:
// were the guard broken, the request would fail at name resolution instead,
// and nothing would be sent anywhere.
func TestClientDialsLoopbackOnly(t *testing.T) {
	c := boardtest.NewClient(t, "http://board.invalid")
	res, err := c.TryDo(c.FormRequest("/login", ""))
	if err == nil {
		t.Fatalf("a request to board.invalid got an answer: %d", res.Status)
	}
	if !strings.Contains(err.Error(), "loopback addresses only") {
		t.Errorf("a request to board.invalid failed with %v, want the loopback guard's refusal", err)
	}
}
