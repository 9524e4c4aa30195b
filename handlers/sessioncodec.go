package handlers

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec stores a session as JSON. Sessions hold only strings, int64s
// and scs's own remember-me flag, and gob (scs's default) rebuilds its decoder for every
// session read, which cost more than the rest of reading the session.
type sessionCodec struct{}

type encodedSession struct {
	Deadline int64             `json:"d"` // unix nanoseconds
	Strings  map[string]string `json:"s,omitempty"`
	Ints     map[string]int64  `json:"i,omitempty"`
	Bools    map[string]bool   `json:"b,omitempty"`
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	e := encodedSession{Deadline: deadline.UnixNano()}
	for k, v := range values {
		switch v := v.(type) {
		case string:
			if e.Strings == nil {
				e.Strings = map[string]string{}
			}
			e.Strings[k] = v
		case int64:
			if e.Ints == nil {
				e.Ints = map[string]int64{}
			}
			e.Ints[k] = v
		case bool:
			if e.Bools == nil {
				e.Bools = map[string]bool{}
			}
			e.Bools[k] = v
		default:
			return nil, fmt.Errorf("session value %q: %T is not a string, int64 or bool", k, v)
		}
	}
	return json.Marshal(e)
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != '{' {
		return scs.GobCodec{}.Decode(b) // sessions saved before this codec
	}
	var e encodedSession
	if err := json.Unmarshal(b, &e); err != nil {
		return time.Time{}, nil, err
	}
	values := make(map[string]any, len(e.Strings)+len(e.Ints)+len(e.Bools))
	for k, v := range e.Strings {
		values[k] = v
	}
	for k, v := range e.Ints {
		values[k] = v
	}
	for k, v := range e.Bools {
		values[k] = v
	}
	return time.Unix(0, e.Deadline).UTC(), values, nil
}
