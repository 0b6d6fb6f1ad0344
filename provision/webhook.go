package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// webhookLookupTimeout bounds the one Mautic call a save event may make:
// asking whether a user's other contact was merged away.
const webhookLookupTimeout = 5 * time.Second

// ignoredTriggers are Mautic 5's other webhook triggers: known, but with
// no effect on which contact a user has.
var ignoredTriggers = map[string]bool{
	mautic.TriggerPointsChanged: true, mautic.TriggerChannelSubscribed: true,
	mautic.TriggerContactCompany: true, mautic.TriggerContactSegment: true,
	mautic.TriggerEmailSent: true, mautic.TriggerSMSSent: true,
	"mautic.email_on_open": true, "mautic.form_on_submit": true, "mautic.page_on_hit": true,
	"mautic.company_post_save": true, "mautic.company_post_delete": true,
}

// WebhookResult says what ApplyWebhook did.
type WebhookResult struct {
	// Events counts the events applied.
	Events int
	// Linked, Moved and Cleared count the user rows changed: linked to a
	// contact with their email, moved from a merged or deleted contact to
	// the survivor, unlinked from a deleted contact.
	Linked, Moved, Cleared int
	// Users are the users whose contact changed, once each: forget what
	// else is cached about them (betterauth.Resolver.ForgetUser).
	Users []string
	// Unknown lists the triggers this engine does not know, once each, for
	// a log line and a metric; they were otherwise ignored.
	Unknown []string
	// Pending counts delete events for contacts users are linked to: stored,
	// and confirmed with Mautic in batches in the background (see
	// ConfirmDeletions), so their effects are not in this result.
	Pending int
}

func (r *WebhookResult) touched(userID string) {
	if !slices.Contains(r.Users, userID) {
		r.Users = append(r.Users, userID)
	}
}

// ApplyWebhook applies a verified webhook's effects on users, in event
// order:
//   - mautic.lead_post_delete: a contact no user is linked to costs
//     nothing (one database query for the whole payload); the others are
//     stored to be confirmed with Mautic in batches, across payloads: a
//     contact that still exists (a test payload, a replay) unlinks nobody,
//     users of a merged contact follow the survivor, and users of a deleted
//     one lose it and get no contact until they come back (Config.OnDelete);
//   - mautic.lead_post_save_new and _update: users with the contact's
//     email and no contact get it; a user linked to another contact moves
//     only to its merge survivor, and is unlinked (until they come back)
//     when Mautic confirms it no longer exists.
//
// So a merge, whichever of its two events comes first, leaves users on the
// survivor. Other triggers change nothing; unknown ones are listed in the
// result. Applying the same payload again changes nothing. The error is
// non-nil only when an effect could not be stored or confirmed (the
// database or Mautic failed): retry the whole payload later.
func (e *Engine) ApplyWebhook(ctx context.Context, p *mautic.WebhookPayload) (WebhookResult, error) {
	var res WebhookResult
	if p == nil {
		return res, nil
	}
	deleted, err := e.recordDeletes(ctx, p.Events)
	if err != nil {
		return res, fmt.Errorf("provision: webhook %s: %w", mautic.TriggerContactDeleted, err)
	}
	// Counted only once the whole payload is applied: a payload that fails
	// part-way is retried whole, and would count its first events twice.
	effects := make([]WebhookEffect, len(p.Events))
	for i, ev := range p.Events {
		effect, err := e.applyEvent(ctx, ev, deleted, &res)
		if err != nil {
			return res, fmt.Errorf("provision: webhook %s: %w", ev.Trigger, err)
		}
		res.Events++
		effects[i] = effect
	}
	e.publishWebhook(ctx, res)
	for i, ev := range p.Events {
		if effects[i] == effectPending {
			continue // counted once confirmed
		}
		e.stats.webhook(effects[i])
		e.cfg.Hooks.webhook(ev.Trigger, effects[i])
	}
	return res, nil
}

// effectPending marks a delete event whose effect is counted when the
// confirmer has applied it.
const effectPending WebhookEffect = ""

// recordDeletes stores, for the confirmer, the deleted contacts that users
// are linked to, and returns them; the others need nothing.
func (e *Engine) recordDeletes(ctx context.Context, events []mautic.WebhookEvent) (map[int]bool, error) {
	var ids []int
	for _, ev := range events {
		if ev.Trigger == mautic.TriggerContactDeleted && ev.ContactID > 0 {
			ids = append(ids, ev.ContactID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	users, err := e.store.UsersByMauticIDs(ctx, ids)
	if err != nil || len(users) == 0 {
		return nil, err
	}
	linked := make(map[int]bool, len(users))
	var record []int
	for _, u := range users {
		if !linked[u.MauticID] {
			linked[u.MauticID] = true
			record = append(record, u.MauticID)
		}
	}
	if err := e.store.SuspectDeleted(ctx, record, e.cfg.Now()); err != nil {
		return nil, err
	}
	e.deletes.poke()
	return linked, nil
}

func (e *Engine) applyEvent(ctx context.Context, ev mautic.WebhookEvent, deleted map[int]bool, res *WebhookResult) (WebhookEffect, error) {
	switch {
	case ev.Trigger == mautic.TriggerContactDeleted:
		if ev.ContactID > 0 && deleted[ev.ContactID] {
			res.Pending++
			return effectPending, nil
		}
		return EffectUnchanged, nil
	case ev.Trigger == mautic.TriggerContactIdentified || ev.Trigger == mautic.TriggerContactUpdated:
		return e.contactSaved(ctx, ev.Contact, res)
	case ignoredTriggers[ev.Trigger]:
		return EffectIgnored, nil
	default:
		if !slices.Contains(res.Unknown, ev.Trigger) {
			res.Unknown = append(res.Unknown, ev.Trigger)
		}
		return EffectUnknown, nil
	}
}

// moveUsers moves every user of contact from to contact to.
func (e *Engine) moveUsers(ctx context.Context, users []userdb.User, from, to int, res *WebhookResult) (WebhookEffect, error) {
	n, err := e.store.ReplaceMauticID(ctx, from, to)
	if err != nil {
		return EffectUnchanged, err
	}
	for _, u := range users {
		prev, _ := e.cache.get(u.ID)
		e.cache.set(u.ID, linked{contactID: to, locale: prev.locale})
		res.touched(u.ID)
	}
	res.Moved += int(n)
	e.log.Info("mautic contact merged: users follow the survivor", zap.Int("from_contact_id", from), zap.Int("contact_id", to), zap.Int64("users", n))
	return EffectMoved, nil
}

// contactSaved links the users with the contact's email: those without a
// contact get it; one linked elsewhere moves only when Mautic confirms its
// contact was merged away, and loses it when it no longer exists.
func (e *Engine) contactSaved(ctx context.Context, c *mautic.Contact, res *WebhookResult) (WebhookEffect, error) {
	if c == nil || c.ID <= 0 || c.Email() == "" || e.cache.isDeleted(c.ID) {
		return EffectUnchanged, nil
	}
	users, err := e.store.UsersByEmail(ctx, []string{c.Email()})
	if err != nil {
		return EffectUnchanged, err
	}
	effect := EffectUnchanged
	for _, u := range users {
		var got WebhookEffect
		switch u.MauticID {
		case c.ID:
			continue
		case 0:
			got, err = e.linkByEmail(ctx, u, c.ID, res)
		default:
			got, err = e.moveIfGone(ctx, u, c.ID, res)
		}
		if err != nil {
			return effect, err
		}
		if got != EffectUnchanged {
			effect = got
		}
	}
	return effect, nil
}

// linkByEmail gives a user without a contact the contact with their email,
// under the rules of the engine's own links: not while the email is
// unverified (the engine links the contacts it creates itself), and not a
// contact another user has; nor while a deletion holds the user back
// (a tombstone: they have not come back since).
func (e *Engine) linkByEmail(ctx context.Context, u userdb.User, contactID int, res *WebhookResult) (WebhookEffect, error) {
	if !u.EmailVerified && !e.cfg.TrustUnverifiedEmails {
		return EffectUnchanged, nil
	}
	if others, err := e.store.UsersByMauticID(ctx, contactID); err != nil || len(others) > 0 {
		return EffectUnchanged, err
	}
	ok, err := e.setLink(ctx, u.ID, contactID, res)
	if !ok || err != nil {
		return EffectUnchanged, err
	}
	res.Linked++
	e.log.Info("mautic webhook: user linked by email", zap.String("user_id", u.ID), zap.Int("contact_id", contactID))
	return EffectLinked, nil
}

// setLink stores contactID as the user's mauticId unless the row holds
// one already, is gone, or a deletion holds the user back (a tombstone),
// and caches it. ok reports a change.
func (e *Engine) setLink(ctx context.Context, userID string, contactID int, res *WebhookResult) (ok bool, err error) {
	stored, err := e.store.LinkUnlessDeleted(ctx, userID, contactID)
	if errors.Is(err, userdb.ErrNotFound) {
		return false, nil
	}
	if err != nil || stored != contactID {
		return false, err // another writer linked the user first
	}
	e.cache.set(userID, linked{contactID: contactID})
	res.touched(userID)
	return true, nil
}

// moveIfGone moves user u from their contact to contactID (which has their
// email) only when Mautic says their contact was merged away (then to the
// survivor) or no longer exists. A contact that still exists is a
// duplicate in Mautic: the user stays where they are.
func (e *Engine) moveIfGone(ctx context.Context, u userdb.User, contactID int, res *WebhookResult) (WebhookEffect, error) {
	old := u.MauticID
	lctx, cancel := context.WithTimeout(ctx, webhookLookupTimeout)
	c, err := e.client.Contacts.Get(lctx, old)
	cancel()
	switch {
	case err == nil && c.ID == old:
		return EffectUnchanged, nil
	case err == nil: // merged into c.ID
		users, err := e.store.UsersByMauticID(ctx, old)
		if err != nil {
			return EffectUnchanged, err
		}
		return e.moveUsers(ctx, users, old, c.ID, res)
	case mautic.IsNotFound(err):
		return e.replaceVanished(ctx, u, old, contactID, res)
	default:
		return EffectUnchanged, fmt.Errorf("asking Mautic whether contact %d still exists: %w", old, err)
	}
}

// replaceVanished applies the deletion of contact old, which Mautic no
// longer has: its users get tombstones and lose it. u is not linked to
// contactID here, though it has their email: a webhook is not the user
// coming back (anyone can put an email into a form or a tracking hit), so
// only u's next signed-in request provisions them, under every rule of a
// first link.
func (e *Engine) replaceVanished(ctx context.Context, u userdb.User, old, contactID int, res *WebhookResult) (WebhookEffect, error) {
	e.cache.markDeleted(old)
	users, err := e.store.DeleteContact(ctx, old, e.cfg.Now(), e.cfg.OnDelete == DeletePermanent)
	if err != nil {
		return EffectUnchanged, err
	}
	for _, uid := range users {
		e.cache.forget(uid)
		res.touched(uid)
		res.Cleared++
	}
	e.log.Info("mautic contact gone: users unlinked until they come back, not moved to the contact a webhook offers",
		zap.String("user_id", u.ID), zap.Int("from_contact_id", old), zap.Int("offered_contact_id", contactID))
	return EffectCleared, nil
}
