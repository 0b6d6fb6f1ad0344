// Package provision gives every signed-in user of the application exactly
// one Mautic contact, stores its id as the user's mauticId, keeps it true
// when Mautic deletes or merges contacts, and never makes the request path
// wait for Mautic.
//
// The request path calls Engine.ContactFor with what it knows (the
// betterauth identity, the mtc_id and PARAGLIDE_LOCALE cookies,
// Accept-Language). A linked user is answered from a cache with no database
// or Mautic call. Anyone else is queued, once however many requests ask,
// and a few workers provision the queue in batches.
//
// # Linking rules
//
// A batch locks its users, reads their rows again, and for each user:
//
//  1. The row holds mauticId: trust it (a stale "mauticId: null" in a
//     cookie cache therefore costs one database read, never a Mautic
//     call). When Mautic later answers that id with another, the contact
//     was merged, and the survivor is stored.
//  2. An exact, case-insensitive email lookup (never search=, which is a
//     substring match: ann@ must not find joann@) finds a contact: use
//     the oldest. Only the fields this package owns are written, and
//     only when they change: first and last name where Mautic has none,
//     preferred_locale (a browser's Accept-Language only fills an empty
//     one), timezone, lastActive. Company, phone and everything else that
//     marketing set stay as they are. If the mtc_id cookie names another,
//     anonymous contact, that contact is left behind and counted
//     (Stats.AnonymousLeftBehind): Mautic 5 has no API to merge contacts,
//     so its history stays there. ContactFor answers the user's contact, which
//     the caller writes to the mtc_id cookie.
//  3. The mtc_id cookie names an anonymous contact (no email, name,
//     company or social id): it takes the user's email and fields, so the
//     anonymous history becomes the user's on the same contact id. If
//     Mautic answers 422 (the email was taken meanwhile) or 404, rule 4
//     applies.
//  4. Otherwise (no cookie, or a shared browser whose contact has someone
//     else's email): POST /contacts/batch/new, which dedupes on email and
//     keeps the fields it is not sent.
//
// The mtc_id value is untrusted input: only a canonical positive integer is
// read (ParseMtcID), and it is only ever used to patch a contact that is
// anonymous. Two users sharing a browser cannot both claim its contact: the
// claim holds a lock on that contact id. Mautic has no conditional update,
// so a contact identified in Mautic itself between the lookup and the patch
// (a form submitted in that instant) is the one case this cannot rule out.
//
// # Trust
//
// A contact may hold a stranger's personal data, so three rules guard the
// link (module records in userdb's caddy_mautic_links and
// caddy_mautic_devices):
//
//   - Rule 2 links a user whose email is not verified (Better Auth's
//     emailVerified) only to a contact the engine created for that user.
//     Any other contact with the email existed before the user: they are
//     held with no contact, no write and no mtc_id (OutcomeUnverified)
//     until a visit or their row shows the email verified, unless
//     Config.TrustUnverifiedEmails. A create that Mautic answers with an
//     existing contact (200) is held the same way.
//   - Rule 3 takes an anonymous contact only when the first-party proxy
//     recorded Mautic's tracking answering the visit's mautic_device_id
//     with it (Visit.DeviceID, within Config.EvidenceWindow). Without that
//     evidence the mtc_id is ignored before any lock is taken.
//   - A contact already linked to a user is never linked to another: rule
//     2 and webhooks check UsersByMauticID. A linked user whose email
//     differs from the one last synced has it written to their contact
//     (OutcomeEmailSynced) unless another contact has it
//     (OutcomeEmailClash: the user stays, nothing changes). A user whose
//     email is still on another user's contact backs off
//     (OutcomeTaken) while that user's change is synced first.
//
// Locale: the user's locale field, unless it holds Config.LocaleDefault
// (the schema's default, which nobody chose), else the PARAGLIDE_LOCALE
// cookie, else the best Accept-Language match, else the schema's default,
// mapped through Config.Locales to Mautic's preferred_locale format (de →
// de_DE). Only the first two are choices that overwrite a preferred_locale
// set in Mautic, the cookie only when it differs from the browser's
// language and the default (Paraglide writes it by itself on a first
// visit); the others only fill an empty one. A value the map does
// not know is never sent, and a value Mautic refuses (400) is dropped and
// the user tried once more without preferred_locale and timezone.
//
// # Consent
//
// Consent.Allows is the one rule, shared with the tracking loader, that
// decides whether a request may be tracked (no Do-Not-Track or Global
// Privacy Control signal, the consent cookie when one is required). A
// Visit with ConsentWithheld sends nothing to Mautic: no contact is made or
// linked, no field updated, no contact id returned (so no mtc_id cookie).
// Each user's last decision is kept in memory and written, when it
// changes, to the caddy_mautic_consent table (Store.SetConsent); the rescan
// of every instance provisions only users whose last recorded request
// allowed tracking, and a batch drops users who withheld consent since
// they were queued. A contact made before consent was withdrawn stays in
// Mautic: erasing it is the marketer's decision.
//
// # Concurrency and budget
//
// In one process a user is in the queue at most once, and in at most one
// batch at a time. Across instances sharing the application's database,
// each batch takes a per-user lock through the database itself
// (userdb.LockUsers: GET_LOCK on MySQL/MariaDB, an advisory lock on
// PostgreSQL) and skips, for now, the users another instance holds; the row
// is read again under the lock. Mautic's own create is check-then-insert
// with no unique key, so this lock is what prevents duplicates.
//
// A batch of up to 200 users costs one exact lookup of all their emails,
// one lookup of the contacts their cookies name (only when there are
// cookies), one batch edit (only when something changes) and one batch
// create: a burst of thousands of sign-ups costs a few dozen calls, not
// thousands.
//
// # Outages and rate limits
//
// ContactFor never waits longer than Config.RequestWait (default: not at
// all). When Mautic is unreachable, fails, is slow past CallTimeout or
// rate-limits (its X-RateLimit-Reset is honoured), the engine pauses with
// exponential backoff and puts the batch back; nothing is dropped. A user
// whose own provisioning fails (Mautic refuses their values) backs off
// exponentially up to RetryMax and is logged; a later visit or the rescan
// brings them back.
//
// # Restarts
//
// The queue keeps no table of its own: the database is its durable state.
// A user is pending when their row has mauticId NULL, a session active
// within Config.ActiveWindow and a last recorded consent decision that
// allowed tracking (userdb.PendingUsers). Start reads them back,
// and so does a rescan every Config.Rescan. A contact made in Mautic whose
// id was not stored (a crash in between) is found again by its email, so a
// restart makes no duplicate.
//
// # Webhooks
//
// Engine.ApplyWebhook applies Mautic's webhook events to users: a saved
// contact links the users with its email; a delete of a contact no user is
// linked to costs nothing, the others are stored (module table
// caddy_mautic_deleted_contacts) and confirmed with Mautic in batches
// across webhook bodies (Engine.ConfirmDeletions, run in the background):
// a contact that still exists unlinks nobody, a merged one moves its users
// to the survivor, a deleted one unlinks them and leaves a tombstone
// (caddy_mautic_deletions). The effects are idempotent, so a payload can be
// applied again.
//
// # Deletions
//
// A tombstoned user gets no contact: the rescan skips them and webhooks do
// not link them. With Config.OnDelete DeleteWaitForVisit (the default) the
// user's next signed-in request after the deletion — ContactFor, whose
// Visit carries a credential the resolver verified — clears the tombstone
// and provisions them; with DeletePermanent only an operator can (DELETE
// FROM caddy_mautic_deletions WHERE user_id = ...). A linked contact found
// gone (looked up in one batched call when a request misses the cache, or
// a refresh answered 404) is treated as a deletion whose webhook was lost.
package provision
