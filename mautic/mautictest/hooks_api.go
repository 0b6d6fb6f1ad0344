package mautictest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// triggerInfo is one entry of GET /api/hooks/triggers, in Mautic's order.
type triggerInfo struct{ name, label, description string }

var allTriggers = []triggerInfo{
	{"mautic.company_post_save", "Company Create/Update Event", "Triggered when a company is created/updated"},
	{"mautic.company_post_delete", "Company Deleted Event", "Triggered when a company is deleted"},
	{"mautic.lead_channel_subscription_changed", "Contact Channel Subscription Change Event", "Triggered when a contact's channel subscription status changes."},
	{"mautic.lead_company_change", "Contact Company Subscription Change Event", "Triggered when a commpany is added or removed to/from contact"},
	{triggerDelete, "Contact Deleted Event", "Triggered when a contact is deleted."},
	{triggerNew, "Contact Identified Event", "Triggered when a contact is identified."},
	{triggerPointsChange, "Contact Points Changed Event", "Triggered when a contact's points are modified."},
	{"mautic.lead_list_change", "Contact Segment Membership Change Event", "Triggered when a contact segment membership is changed"},
	{triggerUpdate, "Contact Updated Event", "Triggered when a contact is updated."},
	{"mautic.email_on_open", "Email Open Event", "mautic.email.webhook.event.open_desc"},
	{"mautic.email_on_send", "Email Send Event", "mautic.email.webhook.event.send_desc"},
	{"mautic.form_on_submit", "Form Submit Event", "mautic.form.webhook.event.form.submit_desc"},
	{"mautic.page_on_hit", "Page Hit Event", "mautic.page.webhook.event.hit_desc"},
	{"mautic.sms_on_send", "Text Send Event", "mautic.sms.webhook.event.send_desc"},
}

func knownTrigger(name string) bool {
	return slices.ContainsFunc(allTriggers, func(t triggerInfo) bool { return t.name == name })
}

func renderHook(h *hook) object {
	triggers := list{}
	for _, t := range h.Triggers {
		triggers = append(triggers, t)
	}
	return object{}.add("isPublished", h.published).add("dateAdded", isoTime(h.dateAdded)).
		add("dateModified", nil).add("createdBy", 1).add("createdByUser", adminName).
		add("modifiedBy", nil).add("modifiedByUser", nil).add("id", h.id).add("name", h.name).
		add("description", h.description).add("webhookUrl", h.URL).add("secret", h.Secret).
		add("eventsOrderbyDir", h.orderDir).add("category", nil).add("triggers", triggers)
}

// listTriggers is GET /api/hooks/triggers.
func (s *Server) listTriggers(w http.ResponseWriter, _ *http.Request, _ int) {
	out := object{}
	for _, t := range allTriggers {
		out = out.add(t.name, object{}.add("label", t.label).add("description", t.description))
	}
	writeOK(w, http.StatusOK, object{}.add("triggers", out))
}

// newHook is POST /api/hooks/new. Hooks made here deliver immediately; see
// SetWebhookQueued.
func (s *Server) newHook(w http.ResponseWriter, r *http.Request, _ int) {
	p, ok := readContactParams(w, r)
	if !ok {
		return
	}
	h := hookFromParams(p, s.now())
	if errs := validateHook(h); len(errs) > 0 {
		writeValidation(w, http.StatusBadRequest, errs)
		return
	}
	id := s.hooks.add(h)
	s.hooks.mu.Lock()
	body := renderHook(h)
	s.hooks.mu.Unlock()
	w.Header().Set("Location", "/api/hooks/"+itoa(id))
	writeOK(w, http.StatusCreated, object{}.add("hook", body))
}

func hookFromParams(p params, now time.Time) *hook {
	h := &hook{published: true, orderDir: "ASC", dateAdded: now}
	h.name, h.description = p.str("name"), p.str("description")
	h.URL, h.Secret = p.str("webhookUrl"), p.str("secret")
	if v, sent := p["isPublished"]; sent {
		str, _ := scalar(v)
		h.published = str != "" && str != "0" && !strings.EqualFold(str, "false")
	}
	if strings.EqualFold(p.str("eventsOrderbyDir"), "desc") {
		h.orderDir = "DESC"
	}
	for _, t := range parseTags(p["triggers"]) {
		if t = strings.TrimSpace(t); t != "" {
			h.Triggers = append(h.Triggers, t)
		}
	}
	return h
}

func validateHook(h *hook) []fieldError {
	var errs []fieldError
	if h.name == "" {
		errs = append(errs, fieldError{"name", "A value is required."})
	}
	if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fieldError{"webhookUrl", "This value is not a valid URL."})
	}
	if slices.ContainsFunc(h.Triggers, func(t string) bool { return !knownTrigger(t) }) {
		errs = append(errs, fieldError{"triggers", msgNotValid})
	}
	return errs
}

// getHook is GET /api/hooks/{id}.
func (s *Server) getHook(w http.ResponseWriter, _ *http.Request, id int) {
	s.hooks.mu.Lock()
	h, ok := s.hooks.byID(id)
	var body object
	if ok {
		body = renderHook(h)
	}
	s.hooks.mu.Unlock()
	if !ok {
		writeEntityNotFound(w)
		return
	}
	writeOK(w, http.StatusOK, object{}.add("hook", body))
}

// listHooks is GET /api/hooks.
func (s *Server) listHooks(w http.ResponseWriter, _ *http.Request, _ int) {
	s.hooks.mu.Lock()
	out := object{}
	for _, h := range s.hooks.list {
		out = out.add(itoa(h.id), renderHook(h))
	}
	n := len(s.hooks.list)
	s.hooks.mu.Unlock()
	writeOK(w, http.StatusOK, object{}.add("total", n).add("hooks", out))
}

// deleteHook is DELETE /api/hooks/{id}/delete; queued events go with it.
func (s *Server) deleteHook(w http.ResponseWriter, _ *http.Request, id int) {
	s.hooks.mu.Lock()
	h, ok := s.hooks.byID(id)
	var body object
	if ok {
		body = renderHook(h).with("id", nil)
		s.hooks.list = slices.DeleteFunc(s.hooks.list, func(x *hook) bool { return x.id == id })
	}
	s.hooks.mu.Unlock()
	if !ok {
		writeEntityNotFound(w)
		return
	}
	writeOK(w, http.StatusOK, object{}.add("hook", body))
}
