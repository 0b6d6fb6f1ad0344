package mautictest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Webhook is a webhook subscription, like one made in Mautic's UI.
type Webhook struct {
	URL      string
	Secret   string
	Triggers []string // e.g. "mautic.lead_post_save_new"; empty = all contact triggers
	// Queued is Mautic's command_process mode: events wait for FlushWebhooks.
	// Otherwise they are sent synchronously inside the API call that caused them.
	Queued bool
}

// Delivery is one webhook POST: what was sent and what the receiver answered.
type Delivery struct {
	URL       string
	Body      []byte
	Signature string
	Status    int   // 0 when the POST failed
	Err       error // connection errors; an HTTP error status is not an Err
}

// webhookBatch is webhook_limit: events per POST in queued mode.
const webhookBatch = 10

// webhookTimeout bounds a POST; Mautic sets none, but a test must not hang.
const webhookTimeout = 10 * time.Second

// leadTriggers are the contact triggers an empty Triggers list means.
var leadTriggers = []string{
	triggerNew, triggerUpdate, triggerPointsChange, triggerDelete,
	"mautic.lead_channel_subscription_changed", "mautic.lead_company_change", "mautic.lead_list_change",
}

type hook struct {
	Webhook
	id          int
	name        string
	description string
	orderDir    string // ASC or DESC
	published   bool
	dateAdded   time.Time
	queue       []queuedEvent
}

type queuedEvent struct {
	seq int
	ev  event
}

func (h *hook) wants(trigger string) bool {
	if len(h.Triggers) == 0 {
		return slices.Contains(leadTriggers, trigger)
	}
	return slices.Contains(h.Triggers, trigger)
}

// hooks is the webhook registry, queue and delivery log.
type hooks struct {
	mu         sync.Mutex
	list       []*hook
	nextID     int
	nextSeq    int
	deliveries []Delivery
	flushMu    sync.Mutex // one FlushWebhooks at a time, like one cron job
	transport  *http.Transport
	client     *http.Client
}

func (hs *hooks) init() {
	hs.nextID = 1
	hs.transport = &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	hs.client = &http.Client{
		Transport: hs.transport,
		Timeout:   webhookTimeout,
		// Guzzle through PSR-18 follows no redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (hs *hooks) closeIdle() { hs.transport.CloseIdleConnections() }

func (hs *hooks) add(h *hook) int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h.id = hs.nextID
	hs.nextID++
	hs.list = append(hs.list, h)
	return h.id
}

func (hs *hooks) byID(id int) (*hook, bool) {
	for _, h := range hs.list {
		if h.id == id {
			return h, true
		}
	}
	return nil, false
}

// AddWebhook subscribes a receiver and returns the webhook's id.
func (s *Server) AddWebhook(h Webhook) int {
	h.Triggers = slices.Clone(h.Triggers)
	return s.hooks.add(&hook{Webhook: h, name: "mautictest webhook", orderDir: "ASC", published: true, dateAdded: s.now()})
}

// SetWebhookQueued switches a webhook between immediate and queued delivery,
// as Mautic's queue_mode setting does.
func (s *Server) SetWebhookQueued(id int, queued bool) error {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	h, ok := s.hooks.byID(id)
	if !ok {
		return fmt.Errorf("mautictest: no webhook %d: use an id AddWebhook returned", id)
	}
	h.Queued = queued
	return nil
}

// WebhookDeliveries returns every webhook POST made so far, oldest first.
func (s *Server) WebhookDeliveries() []Delivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	out := make([]Delivery, len(s.hooks.deliveries))
	for i, d := range s.hooks.deliveries {
		d.Body = slices.Clone(d.Body)
		out[i] = d
	}
	return out
}

// dispatch hands events to the webhooks: queued ones store them, immediate
// ones post now, one event per POST, before the API call answers. Call
// without s.mu held: a receiver may call back into the simulator.
func (s *Server) dispatch(events []event) {
	if len(events) == 0 {
		return
	}
	type post struct {
		h    hook
		body []byte
	}
	var posts []post
	s.hooks.mu.Lock()
	for _, ev := range events {
		for _, h := range s.hooks.list {
			if !h.published || !h.wants(ev.trigger) {
				continue
			}
			if h.Queued {
				s.hooks.nextSeq++
				h.queue = append(h.queue, queuedEvent{s.hooks.nextSeq, ev})
				continue
			}
			posts = append(posts, post{*h, webhookBody([]event{ev})})
		}
	}
	s.hooks.mu.Unlock()
	for _, p := range posts {
		_ = s.postWebhook(&p.h, p.body)
	}
}

// webhookBody is WebhookModel::getWebhookPayload: trigger names as keys, in
// the order they first occur, each a list of events with a timestamp.
func webhookBody(evs []event) []byte {
	var order []string
	byTrigger := make(map[string]list)
	for _, ev := range evs {
		if _, ok := byTrigger[ev.trigger]; !ok {
			order = append(order, ev.trigger)
		}
		data := append(slices.Clone(ev.data), member{"timestamp", isoTime(ev.at)})
		byTrigger[ev.trigger] = append(byTrigger[ev.trigger], data)
	}
	body := object{}
	for _, t := range order {
		body = body.add(t, byTrigger[t])
	}
	return phpJSON(body)
}

// signWebhook is Mautic's Webhook-Signature: base64 of the raw HMAC-SHA256
// of the exact body bytes.
func signWebhook(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// postWebhook sends one body and logs the delivery. It returns only
// connection errors: Mautic does not retry an HTTP error status.
func (s *Server) postWebhook(h *hook, body []byte) error {
	ctx, cancel := context.WithTimeout(s.ctx, webhookTimeout)
	defer cancel()
	d := Delivery{URL: h.URL, Body: body}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("User-Agent", "GuzzleHttp/7")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Origin-Base-URL", s.siteURL())
		if h.Secret != "" {
			d.Signature = signWebhook(body, h.Secret)
			req.Header.Set("Webhook-Signature", d.Signature)
		}
		var resp *http.Response
		resp, err = s.hooks.client.Do(req)
		if err == nil {
			d.Status = resp.StatusCode
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
		}
	}
	d.Err = err
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.deliveries = append(s.hooks.deliveries, d)
	if d.Status == http.StatusGone {
		if live, ok := s.hooks.byID(h.id); ok {
			live.published = false // killWebhook
		}
	}
	return err
}

// FlushWebhooks sends the queued events as `mautic:webhooks:process` does:
// per webhook, batches of 10 per POST, several triggers per body. Events of
// a POST that failed to connect stay queued and the error is returned; an
// HTTP error status drops them, as in Mautic.
func (s *Server) FlushWebhooks() error {
	s.hooks.flushMu.Lock()
	defer s.hooks.flushMu.Unlock()
	s.hooks.mu.Lock()
	ids := make([]int, 0, len(s.hooks.list))
	for _, h := range s.hooks.list {
		ids = append(ids, h.id)
	}
	s.hooks.mu.Unlock()
	var errs []error
	for _, id := range ids {
		if err := s.flushHook(id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Server) flushHook(id int) error {
	for {
		s.hooks.mu.Lock()
		h, ok := s.hooks.byID(id)
		if !ok || !h.published || len(h.queue) == 0 {
			s.hooks.mu.Unlock()
			return nil
		}
		batch := slices.Clone(h.queue)
		if h.orderDir == "DESC" {
			slices.Reverse(batch)
		}
		batch = batch[:min(webhookBatch, len(batch))]
		snapshot := *h
		s.hooks.mu.Unlock()

		evs := make([]event, len(batch))
		for i, q := range batch {
			evs[i] = q.ev
		}
		if err := s.postWebhook(&snapshot, webhookBody(evs)); err != nil {
			return fmt.Errorf("mautictest: webhook %d: %w", id, err)
		}
		s.hooks.mu.Lock()
		if h, ok := s.hooks.byID(id); ok {
			h.queue = slices.DeleteFunc(h.queue, func(q queuedEvent) bool {
				return slices.ContainsFunc(batch, func(b queuedEvent) bool { return b.seq == q.seq })
			})
		}
		s.hooks.mu.Unlock()
	}
}
