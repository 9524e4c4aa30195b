package views

import (
	"net/url"

	"github.com/a-h/templ"

	"board/models"
)

// ReasonForm re-shows a moderator's reason that was refused, at the form of
// the thing it was for.
type ReasonForm struct {
	TargetType string // "post", "comment" or "user"
	TargetID   int64
	Reason     string
	Error      string
}

func (f ReasonForm) errorID() string {
	return "reason-error-" + f.TargetType + "-" + itoa(f.TargetID)
}

// describedBy ties the reason input to its error, if any.
func (f ReasonForm) describedBy() templ.Attributes {
	if f.Error == "" {
		return nil
	}
	return templ.Attributes{"aria-describedby": f.errorID()}
}

// For is the form for one target: empty unless the refusal was about it.
func (f ReasonForm) For(targetType string, id int64) ReasonForm {
	if f.TargetType == targetType && f.TargetID == id {
		return f
	}
	return ReasonForm{}
}

func memberFilter(id int64) string {
	if id == 0 {
		return ""
	}
	return itoa(id)
}

func auditNext(f models.AuditFilter, before int64) string {
	q := url.Values{}
	q.Set("before", itoa(before))
	if f.Kind != "" {
		q.Set("kind", string(f.Kind))
	}
	if f.ActorID != 0 {
		q.Set("member", itoa(f.ActorID))
	}
	return "/admin?" + q.Encode()
}
