package handlers

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	deadline := time.Date(2026, 11, 28, 10, 30, 0, 123456789, time.UTC)
	values := map[string]any{keyUserID: int64(42), keyCSRF: "tok", keyFlash: "", "__rememberMe": true}
	b, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := sessionCodec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Errorf("round trip gave %v %#v, want %v %#v", gotDeadline, got, deadline, values)
	}
}

// Sessions written before the JSON codec (scs's gob) still load.
func TestSessionCodecReadsGobSessions(t *testing.T) {
	deadline := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	values := map[string]any{keyUserID: int64(7), keyCSRF: "old-token"}
	b, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := sessionCodec{}.Decode(b)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Errorf("gob session decoded as %v %#v (%v), want %v %#v", gotDeadline, got, err, deadline, values)
	}
}

func TestSessionCodecRefusesOtherTypes(t *testing.T) {
	if _, err := (sessionCodec{}).Encode(time.Now(), map[string]any{"when": time.Now()}); err == nil {
		t.Error("encoding a time.Time value: no error, want one (it would not come back as a time.Time)")
	}
}
