package models_test

import (
	"testing"

	"board/models"
)

func TestCanReleaseEmail(t *testing.T) {
	admin := &models.User{ID: 1, Role: models.RoleAdmin, DisplayName: "Ada"}
	member := &models.User{ID: 2, Role: models.RoleMember, DisplayName: "Bob"}
	unverified := &models.User{ID: 3, Role: models.RoleMember}
	verified := &models.User{ID: 4, Role: models.RoleMember, EmailVerified: true}
	released := &models.User{ID: 5, Role: models.RoleMember, Email: models.ReleasedEmail(5)}
	for _, tc := range []struct {
		name          string
		actor, target *models.User
		want          models.Outcome
	}{
		{"anonymous", nil, unverified, models.DenyAnonymous},
		{"a member", member, unverified, models.DenyForbidden},
		{"an admin, unverified address", admin, unverified, models.Allow},
		{"an admin, verified address", admin, verified, models.DenyForbidden},
		{"an admin, their own address", admin, admin, models.DenyForbidden},
		{"an admin, an address released already", admin, released, models.DenyForbidden},
	} {
		if got := models.CanReleaseEmail(tc.actor, tc.target); got.Outcome != tc.want {
			t.Errorf("%s: %+v, want outcome %d", tc.name, got, tc.want)
		}
	}
}

// A browser with the account's device cookie is counted only against its
// own allowance; every other browser against the account and address, the
// address, and the account with growing delays.
func TestSignInKeys(t *testing.T) {
	trusted := models.SignInKeys("Alice@Example.com", "192.0.2.1", "7:abc")
	if len(trusted) != 1 || trusted[0].Key != "device:7:abc" || trusted[0].Limit != models.DeviceFailures {
		t.Errorf("trusted keys %+v", trusted)
	}
	keys := models.SignInKeys("Alice@Example.com", "2001:db8::1", "")
	want := map[string]bool{"account-addr:alice@example.com|2001:db8::/64": true, "addr:2001:db8::/64": true, "account:alice@example.com": true}
	for _, k := range keys {
		if !want[k.Key] {
			t.Errorf("unexpected key %+v", k)
		}
		delete(want, k.Key)
		if k.Key == "account:alice@example.com" && (k.Limit != 0 || k.Free != models.AccountFreeFailures || k.Backoff == 0) {
			t.Errorf("the account key %+v should space attempts out, not refuse them", k)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing keys %v", want)
	}
	resets := models.SignInResets(keys)
	for _, r := range resets {
		if r == "addr:2001:db8::/64" {
			t.Error("a success clears the address's count")
		}
	}
	if len(resets) != 2 {
		t.Errorf("resets %v, want the account and account-and-address keys", resets)
	}
}
