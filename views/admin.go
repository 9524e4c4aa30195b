package views

import (
	"net/url"

	"board/models"
)

func memberFilter(id int64) string {
	if id == 0 {
		return ""
	}
	return itoa(id)
}

func actorName(e *models.AuditEvent) string {
	switch {
	case e.ActorName != "":
		return e.ActorName
	case e.ActorID != 0:
		return "member " + itoa(e.ActorID)
	case e.ClientIP == "command line":
		return "operator"
	}
	return "anonymous"
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
