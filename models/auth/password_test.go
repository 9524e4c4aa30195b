package auth_test

import (
	"encoding/base64"
	"regexp"
	"testing"

	"board/models/auth"
)

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)

func TestHashPasswordFormat(t *testing.T) {
	h1, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	h2, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := phc.FindStringSubmatch(h1), phc.FindStringSubmatch(h2)
	if m1 == nil || m2 == nil {
		t.Fatalf("hashes are not argon2id PHC strings with m=19456,t=2,p=1:\n%s\n%s", h1, h2)
	}
	for _, m := range [][]string{m1, m2} {
		salt, err := base64.RawStdEncoding.DecodeString(m[1])
		if err != nil || len(salt) < 16 {
			t.Errorf("salt %q: %d bytes (%v), want at least 16", m[1], len(salt), err)
		}
		key, err := base64.RawStdEncoding.DecodeString(m[2])
		if err != nil || len(key) < 32 {
			t.Errorf("key %q: %d bytes (%v), want at least 32", m[2], len(key), err)
		}
	}
	if h1 == h2 || m1[1] == m2[1] {
		t.Errorf("two hashes of one password share a salt (not random):\n%s\n%s", h1, h2)
	}
}

func TestCheckPassword(t *testing.T) {
	h, err := auth.HashPassword("pässwörd with ünïcode")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{
		{"pässwörd with ünïcode", true},
		{"passwörd with ünïcode", false},
		{"pässwörd with ünïcode ", false},
		{"", false},
	} {
		ok, err := auth.CheckPassword(tc.password, h)
		if err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v, nil", tc.password, ok, err, tc.want)
		}
	}
}

// An account with no password (social sign-in only) never matches anything.
func TestCheckPasswordEmptyHashNeverMatches(t *testing.T) {
	for _, pw := range []string{"", "password", "x"} {
		ok, err := auth.CheckPassword(pw, "")
		if ok || err != nil {
			t.Errorf("CheckPassword(%q, \"\") = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

// Anything but a well-formed argon2id PHC string is an error, never a match
// and never a panic.
func TestCheckPasswordMalformedHash(t *testing.T) {
	const salt = "c29tZXNhbHRzb21lc2FsdA" // 16 bytes
	const key = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	for _, tc := range []struct{ name, hash string }{
		{"not PHC", "hunter2"},
		{"bcrypt", "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"too few fields", "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{"too many fields", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$x"},
		{"wrong version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"garbled params", "$argon2id$v=19$memory=lots$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=19456,t=2,p=1$!!!$" + key},
		{"key not base64", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$***"},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"empty key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("CheckPassword panicked on %q: %v", tc.hash, r)
				}
			}()
			ok, err := auth.CheckPassword("any password", tc.hash)
			if ok {
				t.Errorf("CheckPassword(any password, %q) = true: a malformed hash matched", tc.hash)
			}
			if err == nil {
				t.Errorf("CheckPassword(_, %q) returned no error for a malformed hash", tc.hash)
			}
		})
	}
}
