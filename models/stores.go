package models

// Stores is every store the board needs, built once (db.NewStores) for the
// server, the operator commands and the tests.
type Stores struct {
	Users         Users
	Posts         Posts
	Comments      Comments
	Identities    Identities
	SessionIndex  SessionIndex
	Throttle      Throttle
	Audit         Audit
	Secrets       Secrets
	Notices       Notices
	Outbox        Outbox
	MailTokens    MailTokens
	SigningKeys   SigningKeys
	TokenFamilies TokenFamilies
	SignInTraces  SignInTraces
	Reports       Reports
	Notifications Notifications
}
