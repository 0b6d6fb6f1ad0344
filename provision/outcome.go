package provision

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

var timeZero time.Time

// storeContext is the context of a write that ends a batch: it keeps the
// batch's values but not its end, and has its own timeout.
func storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

// linkAll stores each member's contact as their mauticId. The write is a
// compare-and-set: when another writer stored an id first, that one is
// adopted.
func (e *Engine) linkAll(ctx context.Context, ms []*member) {
	if len(ms) == 0 {
		return
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	var failed []*member
	var lastErr error
	for _, m := range ms {
		stored, err := e.store.SetMauticID(ctx, m.userID, m.contactID)
		switch {
		case errors.Is(err, userdb.ErrNotFound):
			e.gone(m)
		case err != nil:
			failed, lastErr = append(failed, m), err
		default:
			if stored != m.contactID {
				e.log.Info("mautic contact: another writer linked the user first; adopting its contact",
					zap.String("user_id", m.userID), zap.Int("contact_id", stored), zap.Int("ours", m.contactID))
			} else {
				e.record(ctx, userdb.Link{UserID: m.userID, ContactID: stored, Email: m.prof.email, Created: m.created})
			}
			e.finish(m, stored, OutcomeProvisioned)
		}
	}
	if len(failed) > 0 {
		// The contacts exist in Mautic: the retry finds them by email.
		e.unavailable(failed, failDatabase, lastErr, timeZero)
	}
}

// record writes the module's record of a link just stored. A failure is
// logged: the user's next turn writes the record (without Created, so an
// unverified user's own new contact then waits for verification if it is
// ever unlinked).
func (e *Engine) record(ctx context.Context, l userdb.Link) {
	if err := e.store.PutLink(ctx, l); err != nil {
		e.stats.failure(failDatabase, time.Now())
		e.log.Warn("mautic provisioning: writing the link record failed", zap.String("user_id", l.UserID), zap.Error(err))
	}
}

// finish ends a user's turn with their contact: count and log the
// decision, then cache the contact and wake whoever waits (in that order,
// so that a link anyone can see is already counted).
func (e *Engine) finish(m *member, contactID int, o Outcome) {
	e.outcome(o)
	if o == OutcomeProvisioned {
		e.logDecision(m, contactID)
	}
	e.cache.set(m.userID, linked{contactID: contactID, locale: m.prof.locale, email: m.prof.email})
	e.queue.settle(m.t, contactID)
}

// logDecision counts the rule that linked a user and logs it: one line
// per decision, with ids and no email.
func (e *Engine) logDecision(m *member, contactID int) {
	e.stats.decision(m.plan.rule)
	e.cfg.Hooks.decision(m.plan.rule)
	fields := []zap.Field{
		zap.String("rule", string(m.plan.rule)),
		zap.String("user_id", m.userID),
		zap.Int("contact_id", contactID),
		zap.Duration("took", time.Since(m.since)),
	}
	if m.plan.leftBehind > 0 {
		e.stats.anonymousLeftBehind()
		fields = append(fields, zap.Int("anonymous_contact_left", m.plan.leftBehind))
	}
	if m.unproven > 0 {
		fields = append(fields, zap.Int("mtc_id_without_evidence", m.unproven))
	}
	if m.plan.sharedBrowser {
		fields = append(fields, zap.Bool("shared_browser", true))
	}
	e.log.Info("mautic contact linked", fields...)
}

// gone ends the turn of a user whose row no longer exists.
func (e *Engine) gone(m *member) {
	e.queue.settle(m.t, 0)
	e.outcome(OutcomeGone)
	e.log.Info("mautic provisioning: user no longer exists", zap.String("user_id", m.userID))
}

// retrySoon puts a user back for the next batch, not counting a failure.
func (e *Engine) retrySoon(m *member) {
	e.queue.retry(m.t, time.Now(), m.kind, m.attempts, m.dropOptional)
	e.outcome(OutcomeRetry)
}

// invalid handles Mautic refusing a user's values: once without the
// optional fields (preferred_locale, timezone), then as a failure.
func (e *Engine) invalid(m *member, err *mautic.Error) {
	if !m.dropOptional {
		e.log.Info("mautic refused a value: trying again without preferred_locale and timezone",
			append([]zap.Field{zap.String("user_id", m.userID)}, errorFields(err)...)...)
		e.queue.retry(m.t, time.Now(), m.kind, m.attempts, true)
		e.outcome(OutcomeRetry)
		return
	}
	e.rejected(m, err)
}

// rejected backs a user off after a failure of their own: exponentially,
// capped at RetryMax, never dropped.
func (e *Engine) rejected(m *member, err error) {
	attempts := m.attempts + 1
	wait := backoff(e.cfg.RetryMin, e.cfg.RetryMax, attempts)
	e.queue.retry(m.t, time.Now().Add(wait), m.kind, attempts, m.dropOptional)
	e.stats.failure(failRejected, time.Now())
	e.outcome(OutcomeFailed)
	e.log.Warn("mautic provisioning failed for a user; backing off",
		append([]zap.Field{zap.String("user_id", m.userID), zap.Int("attempt", attempts), zap.Duration("retry_in", wait)},
			errorFields(err)...)...)
}

// callFailed handles users whose Mautic call failed as a whole. An outage,
// a rate limit or a timeout pauses the engine; a refused call backs the
// users off one by one; the engine closing puts them back as they were.
func (e *Engine) callFailed(ms []*member, err error) {
	var me *mautic.Error
	errors.As(err, &me)
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, mautic.ErrClosed):
		for _, m := range ms {
			e.queue.retry(m.t, time.Now(), m.kind, m.attempts, m.dropOptional)
			e.outcome(OutcomeRetry)
		}
	case mautic.IsRateLimited(err):
		var at time.Time
		if me != nil {
			at = me.RetryAt
		}
		e.unavailable(ms, failRateLimited, err, at)
	case mautic.IsUnavailable(err), mautic.IsUnauthorized(err), errors.Is(err, context.DeadlineExceeded), me == nil:
		e.unavailable(ms, failUnavailable, err, timeZero)
	default:
		for _, m := range ms {
			e.rejected(m, err)
		}
	}
}

// unavailable pauses the engine (until retryAt when known) and puts the
// users back for when it resumes. Their own attempts are not counted:
// the failure was not theirs.
func (e *Engine) unavailable(ms []*member, kind string, err error, retryAt time.Time) {
	now := time.Now()
	until := e.pause.failed(now, retryAt)
	e.stats.failure(kind, now)
	for _, m := range ms {
		e.queue.retry(m.t, until, m.kind, m.attempts, m.dropOptional)
		e.outcome(OutcomeRetry)
	}
	e.log.Warn("mautic provisioning paused",
		append([]zap.Field{zap.String("cause", kind), zap.Int("users", len(ms)), zap.Duration("resume_in", until.Sub(now))},
			errorFields(err)...)...)
}

// contactVanished records the deletion of a user's stored contact, which
// Mautic no longer has (its delete webhook was lost), for the confirmer:
// it is then treated as any deletion.
func (e *Engine) contactVanished(ctx context.Context, m *member) {
	old := m.row.MauticID
	sctx, cancel := storeContext(ctx)
	defer cancel()
	if err := e.store.SuspectDeleted(sctx, []int{old}, e.cfg.Now()); err != nil {
		e.unavailable([]*member{m}, failDatabase, err, timeZero)
		return
	}
	// Until confirmed, the user's page views neither answer nor patch it.
	e.cache.markDeleted(old)
	e.cache.forget(m.userID)
	e.deletes.pokeUrgent()
	e.log.Info("mautic contact no longer exists: confirming its deletion",
		zap.String("user_id", m.userID), zap.Int("from_contact_id", old))
	e.queue.settle(m.t, 0)
	e.outcome(OutcomeDeleted)
}

// outcome counts and reports an outcome.
func (e *Engine) outcome(o Outcome) {
	e.stats.outcome(o)
	e.cfg.Hooks.outcome(o)
}

// errorFields describes err for a log line without its values: Mautic's
// messages can quote what was sent (an email), so only the call, the
// status, the names of the refused fields and a network cause are kept.
func errorFields(err error) []zap.Field {
	if err == nil {
		return nil
	}
	var me *mautic.Error
	if !errors.As(err, &me) {
		return []zap.Field{zap.Error(err)}
	}
	fields := []zap.Field{zap.String("call", me.Method+" "+me.Path), zap.Int("status", me.Status)}
	var refused []string
	for _, a := range me.Errors {
		for f := range a.Details {
			refused = append(refused, f)
		}
	}
	if len(refused) > 0 {
		slices.Sort(refused)
		fields = append(fields, zap.Strings("refused_fields", slices.Compact(refused)))
	}
	if me.Err != nil {
		fields = append(fields, zap.String("cause", me.Err.Error()))
	}
	if !me.RetryAt.IsZero() {
		fields = append(fields, zap.Time("retry_at", me.RetryAt))
	}
	return fields
}
