package provision

import (
	"context"
	"strings"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
)

// Visit is what a request tells about its user: who they are, resolved
// and verified by betterauth, and the browser's untrusted state.
type Visit struct {
	// User is the signed-in user; a zero UserID is an anonymous visit.
	User betterauth.Identity
	// MtcID is the raw value of the mtc_id cookie: the contact Mautic's
	// tracking gave this browser. It is untrusted (see ParseMtcID).
	MtcID string
	// DeviceID is the raw mautic_device_id cookie: the device Mautic's
	// tracking knows this browser as. It is untrusted; the engine adopts
	// the anonymous contact MtcID names only when the first-party proxy
	// recorded Mautic answering this device with that contact.
	DeviceID string
	// ParaglideLocale is the raw PARAGLIDE_LOCALE cookie, set when the
	// user picks a language.
	ParaglideLocale string
	// AcceptLanguage is the raw Accept-Language header.
	AcceptLanguage string
	// Timezone is the browser's IANA zone, when known; optional.
	Timezone string
	// ConsentWithheld says the request refused tracking (Consent.Allows
	// was false). Nothing is sent to Mautic for it, no contact is
	// returned, and the decision is stored, so that the rescan passes
	// the user over until a request allows tracking again.
	ConsentWithheld bool
}

// ContactFor returns the Mautic contact id of the visit's user, unless the
// visit withheld consent: then it sends nothing and returns none. A user
// linked before is answered from the cache, with no database or Mautic
// call; so is one whose credentials carry a mauticId. Otherwise the user
// is queued for provisioning (once, however many requests ask) and
// ContactFor waits at most Config.RequestWait, and never past ctx, for
// the answer. It never calls Mautic or the database itself. ok is false
// for an anonymous visit and while the contact is not known yet.
//
// A linked user whose chosen locale (the user's locale field or the
// PARAGLIDE_LOCALE cookie) differs from the one last sent is queued for a
// cheap update that rides the next batch.
func (e *Engine) ContactFor(ctx context.Context, v Visit) (contactID int, ok bool) {
	uid := v.User.UserID
	if uid == "" {
		return 0, false
	}
	e.consent.note(uid, !v.ConsentWithheld, e.cfg.Now)
	if v.ConsentWithheld {
		return 0, false
	}
	if l, ok := e.cache.get(uid); ok {
		e.refreshIfChosen(v, l)
		e.checkEmail(v, l)
		return l.contactID, true
	}
	if e.isHeld(v) {
		return 0, false
	}
	locale, explicit := e.visitLocale(v)
	// A claim from a cookie cache or JWT may be minutes old, but a
	// non-zero one was true then. A zero one proves nothing: the queue
	// reads the row again before it calls Mautic.
	if id := v.User.MauticID; id > 0 && e.cache.trustsClaim(uid, id) {
		e.cache.set(uid, linked{contactID: id, locale: locale}) // email unchecked: see checkEmail
		e.deletes.check(id)                                     // once per cache miss: was it deleted meanwhile?
		return id, true
	}
	t := e.queue.push(uid, kindProvision, e.hintOf(v, locale, explicit), time.Now())
	if t == nil {
		e.outcome(OutcomeOverflow)
		return 0, false
	}
	return e.await(ctx, t)
}

// visitLocale resolves the locale a visit tells (locales.forVisit).
func (e *Engine) visitLocale(v Visit) (locale string, explicit bool) {
	return e.locales.forVisit(v.User.Locale, v.ParaglideLocale, v.AcceptLanguage, e.localeDefault)
}

// refreshIfChosen queues a locale update when the user chose a locale
// other than the one last sent. A browser's Accept-Language never does:
// it differs between a user's devices; nor does the schema's default.
func (e *Engine) refreshIfChosen(v Visit, l linked) {
	loc, chosen := e.visitLocale(v)
	if !chosen || loc == l.locale {
		return
	}
	if e.queue.push(v.User.UserID, kindRefresh, e.hintOf(v, loc, true), time.Now()) == nil {
		e.outcome(OutcomeOverflow)
	}
}

// checkEmail queues a linked user for the email sync when the visit's
// email is not the one the engine last read from their row, or when the
// link came from a credential and was never checked against the module's
// record. The queued turn (a provisioning turn, which for a linked user
// reads the row and the record under the user's lock and calls Mautic only
// for a change) decides; the cache keeps the visit's email so that one change
// queues one turn.
func (e *Engine) checkEmail(v Visit, l linked) {
	if v.User.Email == "" || strings.EqualFold(strings.TrimSpace(v.User.Email), strings.TrimSpace(l.email)) {
		return
	}
	l.email = v.User.Email
	e.cache.set(v.User.UserID, l)
	if e.queue.push(v.User.UserID, kindProvision, hint{}, time.Now()) == nil {
		e.outcome(OutcomeOverflow)
	}
}

// hintOf keeps what the visit tells that the database does not hold.
func (e *Engine) hintOf(v Visit, locale string, explicit bool) hint {
	id, _ := ParseMtcID(v.MtcID)
	h := hint{mtcID: id, locale: locale, explicit: explicit, visitAt: e.cfg.Now()}
	if id > 0 {
		h.device = v.DeviceID
	}
	if timezonePattern.MatchString(v.Timezone) {
		h.timezone = v.Timezone
	}
	return h
}

// await waits for the task's contact for at most RequestWait, or not at
// all when it is 0 or the engine is paused by an outage: no answer can
// come before the pause ends, so waiting would only slow the page.
func (e *Engine) await(ctx context.Context, t *task) (int, bool) {
	if e.cfg.RequestWait <= 0 || e.pause.remaining(time.Now()) > 0 {
		select {
		case <-t.done:
			return t.contactID, t.contactID > 0
		default:
			return 0, false
		}
	}
	timer := time.NewTimer(e.cfg.RequestWait)
	defer timer.Stop()
	select {
	case <-t.done:
		return t.contactID, t.contactID > 0
	case <-timer.C:
	case <-ctx.Done():
	}
	return 0, false
}
