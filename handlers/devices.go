package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"board/models"
)

// Device cookies (OWASP): a browser that signed in to an account holds a
// signed token saying so, and keeps its own allowance of failed sign-ins
// for that account however many strangers fail.
const (
	deviceCookieLifetime = 365 * 24 * time.Hour
	devicesPerBrowser    = 5 // accounts remembered per browser, most recent first
)

func (h *Handlers) deviceCookieName() string {
	if h.HTTPS {
		return "__Host-board_device"
	}
	return "board_device"
}

// devices are the device tokens this browser holds whose signature checks out.
func (h *Handlers) devices(c echo.Context) []models.Device {
	ck, err := c.Cookie(h.deviceCookieName())
	if err != nil || len(ck.Value) > 1024 {
		return nil
	}
	key, err := h.Secrets.Secret(c.Request().Context(), models.SecretDevice)
	if err != nil {
		h.Logger.Error("device key", "id", c.Get(ctxRequestID), "err", err)
		return nil
	}
	var out []models.Device
	for _, entry := range strings.Split(ck.Value, "~") {
		parts := strings.Split(entry, ".")
		if len(parts) != 3 {
			continue
		}
		uid, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || !hmac.Equal([]byte(parts[2]), []byte(deviceMAC(key, parts[0], parts[1]))) {
			continue
		}
		out = append(out, models.Device{UserID: uid, ID: parts[1]})
	}
	return out
}

// rememberDevice gives this browser a fresh device token for userID, keeping
// its tokens for other accounts.
func (h *Handlers) rememberDevice(c echo.Context, userID int64) error {
	key, err := h.Secrets.Secret(c.Request().Context(), models.SecretDevice)
	if err != nil {
		return err
	}
	uid, id := strconv.FormatInt(userID, 10), randomToken(18)
	entries := []string{uid + "." + id + "." + deviceMAC(key, uid, id)}
	for _, d := range h.devices(c) {
		if d.UserID != userID && len(entries) < devicesPerBrowser {
			other := strconv.FormatInt(d.UserID, 10)
			entries = append(entries, other+"."+d.ID+"."+deviceMAC(key, other, d.ID))
		}
	}
	http.SetCookie(c.Response(), &http.Cookie{Name: h.deviceCookieName(), Value: strings.Join(entries, "~"), Path: "/",
		MaxAge: int(deviceCookieLifetime.Seconds()), HttpOnly: true, Secure: h.HTTPS, SameSite: http.SameSiteLaxMode})
	return nil
}

func deviceMAC(key []byte, uid, id string) string {
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, "device\x00"+uid+"\x00"+id)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
