package provision

import "github.com/caddy-mautic/caddy-mautic/mautic"

// plan is what the engine will do for one user without a stored contact.
type plan struct {
	rule Rule
	// contactID is the contact to link (rules 2 and 3); 0 for a create.
	contactID int
	// fields is what to send: a patch of contactID (nil: nothing to
	// change) or the new contact.
	fields mautic.Fields
	// leftBehind is the anonymous contact the mtc_id cookie named when the
	// email found another (rule 2): Mautic cannot merge it through its
	// API, so its history stays there.
	leftBehind int
	// sharedBrowser is set when the cookie named someone else's contact.
	sharedBrowser bool
}

// decide applies rules 2 to 4 to a user whose row holds no contact id:
// byEmail are the contacts with the user's email (oldest first), cookie
// the contact the mtc_id cookie names (nil when none, unknown or not
// looked up). claimed holds the anonymous contacts other users of the same
// batch are taking; decide adds the one it takes.
func decide(p profile, mtcID int, byEmail []*mautic.Contact, cookie *mautic.Contact, claimed map[int]bool) plan {
	if len(byEmail) > 0 {
		c := byEmail[0]
		pl := plan{rule: RuleEmail, contactID: c.ID, fields: p.changesFor(c)}
		if cookie != nil && cookie.ID == mtcID && mtcID != c.ID && cookie.IsAnonymous() {
			pl.leftBehind = mtcID
		}
		return pl
	}
	if cookie != nil && cookie.ID == mtcID && cookie.IsAnonymous() && !claimed[mtcID] {
		claimed[mtcID] = true
		return plan{rule: RuleAnonymous, contactID: mtcID, fields: p.newContactFields(true)}
	}
	return plan{
		rule:          RuleCreate,
		fields:        p.newContactFields(true),
		sharedBrowser: cookie != nil && cookie.Email() != "",
	}
}
