package main

import (
	"board/handlers/boardtest"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// apiToken gets an access token from POST /api/v1/token.
func apiToken(t *testing.T, base, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := http.Post(base+"/api/v1/token", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&pair); err != nil || res.StatusCode != http.StatusOK || pair.AccessToken == "" {
		t.Fatalf("POST /api/v1/token: %d, %v", res.StatusCode, err)
	}
	return pair.AccessToken
}

// apiStatus is the status of GET path with the bearer token.
func apiStatus(t *testing.T, base, path, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	header, _ := boardtest.TokenParts(t, token)
	kid, _ := header["kid"].(string)
	return kid
}

func publishedKids(t *testing.T, base string) []string {
	t.Helper()
	res, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

// The first start makes a key; `board keys rotate` adds one, and the old
// key keeps verifying the tokens it signed; nothing ever prints a private key.
func TestKeysRotate(t *testing.T) {
	b := startBoard(t, "-demo")
	old := apiToken(t, b.URL, aliceEmail, alicePassword)
	b.mustNotLog(old)
	oldKid := kidOf(t, old)
	if got := publishedKids(t, b.URL); len(got) != 1 || got[0] != oldKid {
		t.Fatalf("JWKS after the first start: %v, want the token's key %s", got, oldKid)
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}

	list, err := runCLI(t, "keys", "list", "-db", b.DBPath)
	if err != nil || !strings.HasPrefix(list, oldKid+" ES256 created ") || !strings.Contains(list, ", live") || strings.Count(list, "\n") != 1 {
		t.Fatalf("keys list = %q, %v", list, err)
	}
	out, err := runCLI(t, "keys", "rotate", "-db", b.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	newKid, _, ok := strings.Cut(strings.TrimPrefix(out, "new signing key "), ":")
	if !ok || newKid == oldKid || !strings.Contains(out, "stays published until its tokens have expired") {
		t.Fatalf("keys rotate = %q", out)
	}
	list2, err := runCLI(t, "keys", "list", "-db", b.DBPath)
	if err != nil || !strings.HasPrefix(list2, newKid+" ES256 created ") || !strings.Contains(list2, oldKid+" ES256 created ") ||
		!strings.Contains(list2, ", retired ") {
		t.Errorf("keys list after rotating = %q, %v", list2, err)
	}

	// The same address, so the same issuer: tokens name the board that issued them.
	again := launchBoard(t, b.DBPath, "-addr", strings.TrimPrefix(b.URL, "http://"))
	if st := apiStatus(t, again.URL, "/api/v1/me", old); st != http.StatusOK {
		t.Errorf("a token signed before the rotation: %d, want 200 until it expires", st)
	}
	if got := publishedKids(t, again.URL); len(got) != 2 || got[0] != newKid || got[1] != oldKid {
		t.Errorf("JWKS after rotating = %v, want [%s %s]", got, newKid, oldKid)
	}
	fresh := apiToken(t, again.URL, aliceEmail, alicePassword)
	again.mustNotLog(fresh)
	if kidOf(t, fresh) != newKid {
		t.Errorf("a new token is signed by %s, want the new key %s", kidOf(t, fresh), newKid)
	}

	// The private keys are in the database and nowhere else.
	d, st, err := openStores(context.Background(), b.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := st.SigningKeys.List(context.Background())
	d.Close()
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys: %d, %v", len(keys), err)
	}
	printed := b.stdout.String() + b.stderr.String() + again.stdout.String() + again.stderr.String() + list + out + list2
	for _, k := range keys {
		secret := k.Private[len(k.Private)-40:]
		for _, form := range []string{hex.EncodeToString(secret[:12]), base64.StdEncoding.EncodeToString(secret[:12]), base64.RawURLEncoding.EncodeToString(secret[:12])} {
			if strings.Contains(printed, form) {
				t.Errorf("key %s's private bytes were printed", k.ID)
			}
		}
	}
}

func TestKeysUsage(t *testing.T) {
	for _, args := range [][]string{{"keys"}, {"keys", "frobnicate"}, {"keys", "rotate", "extra"}, {"keys", "list", "-nope"}} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("board %s: no error", strings.Join(args, " "))
		}
	}
}
