package models

import "context"

// Names of the server's secrets.
const (
	SecretCSRF   = "csrf"   // signs visitors' CSRF tokens
	SecretDevice = "device" // signs device cookies
)

// Device is a device cookie the board signed and has verified: the browser
// holding it signed in to UserID before.
type Device struct {
	UserID int64
	ID     string // random; names the device in its throttle key
}

// Secrets holds the keys the server signs with. They live in the database,
// made on first use and the same for every instance; they are never logged.
type Secrets interface {
	// Secret returns the named 32-byte key, creating it on first use.
	Secret(ctx context.Context, name string) ([]byte, error)
}
