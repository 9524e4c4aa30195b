package models

import (
	_ "embed"
	"strings"
)

// commonPasswords is the shipped list (see the file's header for its source).
//
//go:embed common_passwords.txt
var commonPasswords string

// IsCommonPassword reports whether password, ignoring case, is on the list
// of the most common passwords. The list is small (5,000 lines), so a linear
// scan costs microseconds and keeps no index in memory.
func IsCommonPassword(password string) bool {
	needle := strings.ToLower(password)
	for line := range strings.Lines(commonPasswords) {
		if strings.TrimRight(line, "\n") == needle && !strings.HasPrefix(line, "#") {
			return true
		}
	}
	return false
}
