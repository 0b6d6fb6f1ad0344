package provision

import (
	"context"
	"strings"
)

// HandoverEmail returns the email a proxied tracking hit may carry to move
// a browser onto the user's contact, or "". It is the email the engine last
// wrote to that contact for this user (the user's link record), and only
// while the user's email is still that one: an email the user set but the
// contact does not hold (not synced, or another contact's) would move the
// browser onto whichever contact Mautic finds with it, someone else's.
func (e *Engine) HandoverEmail(ctx context.Context, userID string, contactID int, email string) string {
	if userID == "" || contactID <= 0 || email == "" {
		return ""
	}
	sctx, cancel := storeContext(ctx)
	defer cancel()
	links, err := e.store.Links(sctx, []string{userID})
	if err != nil {
		return ""
	}
	l, ok := links[userID]
	if !ok || l.ContactID != contactID || !strings.EqualFold(strings.TrimSpace(l.Email), strings.TrimSpace(email)) {
		return ""
	}
	return l.Email
}
