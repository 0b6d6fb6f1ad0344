package provision

// Rule is the linking rule that gave a user their contact. Its values are
// fit for a metric label.
type Rule string

// The linking rules, in the order they are tried.
const (
	RuleStored    Rule = "stored"    // 1: the user row already held mauticId
	RuleEmail     Rule = "email"     // 2: an exact email lookup found the contact
	RuleAnonymous Rule = "anonymous" // 3: the anonymous mtc_id contact took the email
	RuleCreate    Rule = "create"    // 4: a new contact (no usable cookie, or a shared browser)
)

// Outcome is how one user's turn in a batch ended. Its values are fit for a
// metric label.
type Outcome string

// The outcomes of a user's turn.
const (
	OutcomeProvisioned Outcome = "provisioned"     // the user is linked to a contact
	OutcomeRefreshed   Outcome = "refreshed"       // a linked user's owned fields (locale) were updated
	OutcomeDeferred    Outcome = "deferred"        // another instance holds the user: tried again later
	OutcomeRetry       Outcome = "retry"           // Mautic or the database failed: tried again later
	OutcomeFailed      Outcome = "failed"          // Mautic refused this user: backs off, tried again later
	OutcomeGone        Outcome = "gone"            // the user row no longer exists: nothing to do
	OutcomeOverflow    Outcome = "overflow"        // the queue was full: a later visit or rescan brings the user back
	OutcomeNoConsent   Outcome = "no_consent"      // the user's last request refused tracking: nothing sent, taken off the queue
	OutcomeDeleted     Outcome = "deleted"         // the user's contact was deleted in Mautic: none is made until they come back
	OutcomeUnverified  Outcome = "held_unverified" // the email's contact existed before the user, whose email is not verified: no link until it is
	OutcomeTaken       Outcome = "held_taken"      // the email's contact is another user's: no link (see the email sync)
	OutcomeEmailSynced Outcome = "email_synced"    // a linked user's new email was written to their contact
	OutcomeEmailClash  Outcome = "email_conflict"  // a linked user's new email is another contact's: their contact keeps the old one
)

// WebhookEffect is what one webhook event did to the users. Its values are
// fit for a metric label.
type WebhookEffect string

// The effects of webhook events.
const (
	EffectLinked    WebhookEffect = "linked"    // users without a contact got this one (same email)
	EffectMoved     WebhookEffect = "moved"     // users left a merged or deleted contact for the survivor
	EffectCleared   WebhookEffect = "cleared"   // users of a deleted contact lost it and are provisioned again
	EffectUnchanged WebhookEffect = "unchanged" // nothing to change (already applied, or no matching user)
	EffectIgnored   WebhookEffect = "ignored"   // a known trigger with no effect on users
	EffectUnknown   WebhookEffect = "unknown"   // a trigger this engine does not know
)

// Hooks are optional callbacks for metrics. They are called on the
// engine's goroutines (Webhook on ApplyWebhook's caller): keep them cheap
// and non-blocking.
type Hooks struct {
	// Decision is called once per user linked, with the rule that fired.
	Decision func(Rule)
	// Outcome is called once per user each time a batch is done with them.
	Outcome func(Outcome)
	// Webhook is called once per webhook event with its trigger and effect;
	// for a delete of a contact users are linked to, once it is confirmed.
	Webhook func(trigger string, effect WebhookEffect)
	// UsersChanged is called, from the engine's own goroutine, with the
	// users whose contact a confirmed deletion or merge changed: forget
	// what else is cached about them (betterauth.Resolver.ForgetUser).
	UsersChanged func(userIDs []string)
}

func (h Hooks) decision(r Rule) {
	if h.Decision != nil {
		h.Decision(r)
	}
}

func (h Hooks) outcome(o Outcome) {
	if h.Outcome != nil {
		h.Outcome(o)
	}
}

func (h Hooks) usersChanged(ids []string) {
	if h.UsersChanged != nil {
		h.UsersChanged(ids)
	}
}

func (h Hooks) webhook(trigger string, e WebhookEffect) {
	if h.Webhook != nil {
		h.Webhook(trigger, e)
	}
}
