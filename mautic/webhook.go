package mautic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Webhook triggers of Mautic 5 that carry a contact.
const (
	TriggerContactIdentified = "mautic.lead_post_save_new" // a save set dateIdentified
	TriggerContactUpdated    = "mautic.lead_post_save_update"
	TriggerContactDeleted    = "mautic.lead_post_delete" // also the loser of a merge
	TriggerPointsChanged     = "mautic.lead_points_change"
	TriggerChannelSubscribed = "mautic.lead_channel_subscription_changed"
	TriggerContactCompany    = "mautic.lead_company_change"
	TriggerContactSegment    = "mautic.lead_list_change"
	TriggerEmailSent         = "mautic.email_on_send"
	TriggerSMSSent           = "mautic.sms_on_send"
)

// Keys of webhook bodies.
const (
	keyTimestamp = "timestamp" // per event; once at the top in "send test payload" bodies
	keyContact   = "contact"
	keyDeletedID = "id" // in mautic.lead_post_delete events
)

// contactTriggers are the triggers whose "contact" must decode.
var contactTriggers = map[string]bool{
	TriggerContactIdentified: true, TriggerContactUpdated: true, TriggerContactDeleted: true,
	TriggerPointsChanged: true, TriggerChannelSubscribed: true, TriggerContactCompany: true,
	TriggerContactSegment: true,
}

// WebhookPayload is one webhook POST from Mautic. Its body is an object
// keyed by trigger name, each a list of events; queued delivery batches
// several triggers and events in one body.
type WebhookPayload struct {
	// Events in body order: triggers in key order, events in list order.
	Events []WebhookEvent
}

// WebhookEvent is one event of a webhook payload.
type WebhookEvent struct {
	// Trigger is the top-level key, e.g. "mautic.lead_post_save_update".
	Trigger string
	// Timestamp is the event's "timestamp"; zero when absent or unreadable.
	Timestamp time.Time
	// Contact is the event's contact, when it has one. Webhook contacts have
	// only the field groups (no fields.all); Contact.Fields is flattened
	// from them. A deleted contact has ID 0.
	Contact *Contact
	// ContactID is the contact the event is about: the deleted id for
	// mautic.lead_post_delete, else Contact.ID.
	ContactID int
	// Raw is the event's JSON as sent, for the keys not decoded here
	// (points, segment, channel, ...) and for unknown triggers.
	Raw json.RawMessage
}

// ParseWebhook decodes a webhook body. Unknown triggers are kept with Raw
// only, so nothing is lost; a malformed body, or a contact that does not
// decode in a contact trigger, is an error. Verify the signature first.
func ParseWebhook(body []byte) (*WebhookPayload, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("mautic: webhook body is not a JSON object keyed by trigger name")
	}
	p := &WebhookPayload{}
	var fallback time.Time
	err := forEachEntry(trimmed, func(trigger string, val json.RawMessage) error {
		v := bytes.TrimSpace(val)
		if trigger == keyTimestamp && len(v) > 0 && v[0] == '"' {
			if s, ok := scalarString(v); ok {
				if t := parseTime(s); t != nil {
					fallback = *t
				}
			}
			return nil
		}
		if len(v) == 0 || v[0] != '[' {
			// Not a list: keep it whole as one event.
			ev, err := decodeEvent(trigger, v)
			if err != nil {
				return err
			}
			p.Events = append(p.Events, ev)
			return nil
		}
		return forEachEntry(v, func(idx string, raw json.RawMessage) error {
			ev, err := decodeEvent(trigger, raw)
			if err != nil {
				return fmt.Errorf("event %s: %w", idx, err)
			}
			p.Events = append(p.Events, ev)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("mautic: webhook: %w", err)
	}
	if !fallback.IsZero() {
		for i := range p.Events {
			if p.Events[i].Timestamp.IsZero() {
				p.Events[i].Timestamp = fallback
			}
		}
	}
	return p, nil
}

// decodeEvent reads one event; only its contact, deleted id and timestamp
// are decoded, the rest stays in Raw.
func decodeEvent(trigger string, raw json.RawMessage) (WebhookEvent, error) {
	raw = bytes.TrimSpace(raw)
	ev := WebhookEvent{Trigger: trigger, Raw: append(json.RawMessage(nil), raw...)}
	if len(raw) == 0 || raw[0] != '{' {
		if contactTriggers[trigger] {
			return ev, fmt.Errorf("%s: event is not a JSON object", trigger)
		}
		return ev, nil
	}
	var w map[string]json.RawMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		return ev, fmt.Errorf("%s: %w", trigger, err)
	}
	if s, ok := scalarString(w[keyTimestamp]); ok {
		if t := parseTime(s); t != nil {
			ev.Timestamp = *t
		}
	}
	if c := bytes.TrimSpace(w[keyContact]); len(c) > 0 && c[0] == '{' {
		contact := new(Contact)
		if err := json.Unmarshal(c, contact); err != nil {
			if contactTriggers[trigger] {
				return ev, fmt.Errorf("%s: %w", trigger, err)
			}
		} else {
			ev.Contact = contact
			ev.ContactID = contact.ID
		}
	} else if contactTriggers[trigger] && len(c) > 0 && !bytes.Equal(c, []byte("null")) {
		return ev, fmt.Errorf("%s: contact is not a JSON object", trigger)
	}
	if trigger == TriggerContactDeleted {
		var id flexInt
		if err := json.Unmarshal(w[keyDeletedID], &id); err != nil || id <= 0 {
			return ev, fmt.Errorf("%s: want the deleted contact's id in \"id\"", trigger)
		}
		ev.ContactID = int(id)
	}
	return ev, nil
}
