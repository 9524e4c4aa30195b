package handlers

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"board/models"
)

// Failed sign-ins allowed per window: few per account (guessing one
// person's password), more per address (several people behind one NAT).
const (
	ThrottleWindow          = 15 * time.Minute
	failuresPerAccount      = 5
	failuresPerAddress      = 20
	registrationsPerAddress = 10
)

// throttleKeys names what a sign-in attempt counts against: the account
// (by the email typed, known or not) and the client network.
func throttleKeys(c echo.Context, email string) []models.ThrottleKey {
	return []models.ThrottleKey{
		{Key: "account:" + strings.ToLower(models.Truncate(email, models.MaxEmail)), Limit: failuresPerAccount},
		{Key: "addr:" + clientNetwork(c), Limit: failuresPerAddress},
	}
}

// registerKey counts registration attempts per client address.
func registerKey(c echo.Context) models.ThrottleKey {
	return models.ThrottleKey{Key: "register:" + clientNetwork(c), Limit: registrationsPerAddress}
}

// clientNetwork is the client address; IPv6 clients by /64, since one host
// usually owns the whole prefix.
func clientNetwork(c echo.Context) string {
	addr := c.RealIP()
	if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
		addr = ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return addr
}

// tooManyAttempts is the 429 page, with Retry-After, for what was limited
// (e.g. "failed sign-ins").
func tooManyAttempts(c echo.Context, wait time.Duration, what string) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return &pageError{http.StatusTooManyRequests, "Too many attempts", "Too many " + what,
		"There have been too many " + what + " from your network or for this account, so this is paused. Try again in " +
			strconv.Itoa((secs+59)/60) + " minute(s)."}
}
