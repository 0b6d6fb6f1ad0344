package caddymodule

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision"
)

const metricsNamespace, metricsSubsystem = "caddy", "mautic"

// metrics are one instance's Prometheus collectors. They live in the
// pooled state, so counts survive a reload, and are registered into each
// configuration's registry; every series carries the instance's name.
type metrics struct {
	injection        *prometheus.CounterVec
	identity         *prometheus.CounterVec
	identityRejected *prometheus.CounterVec
	cookieRewrites   prometheus.Counter
	decisions        *prometheus.CounterVec
	outcomes         *prometheus.CounterVec
	apiCalls         *prometheus.CounterVec
	apiDuration      *prometheus.HistogramVec
	webhookRequests  *prometheus.CounterVec
	webhookEvents    *prometheus.CounterVec
	failures         *prometheus.CounterVec
	proxied          *prometheus.CounterVec
	handovers        prometheus.Counter
	gauges           []prometheus.Collector
}

func newMetrics(instance string) *metrics {
	labels := prometheus.Labels{"instance": instance}
	counter := func(name, help string, vars ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: name, Help: help, ConstLabels: labels,
		}, vars)
	}
	m := &metrics{
		injection:        counter("injection_total", "HTML responses seen by the injector, by outcome (injected, skipped, csp_blocked, already_present, no_insertion_point).", "outcome"),
		identity:         counter("identity_total", "Requests by identity source (cookie caches, jwt, database, get_session; anonymous for none).", "source"),
		identityRejected: counter("identity_rejected_total", "Credentials not accepted, by reason.", "reason"),
		decisions:        counter("provisioning_decisions_total", "Users linked to a contact, by the rule that fired.", "rule"),
		outcomes:         counter("provisioning_outcomes_total", "Provisioning turns by outcome.", "outcome"),
		apiCalls:         counter("api_calls_total", "Mautic API attempts by route and status (0: no answer).", "route", "status"),
		webhookRequests:  counter("webhook_requests_total", "Webhook requests by result (stored, already_pending, already_applied, bad_signature, rate_limited, too_large, malformed, spool_error, method_not_allowed).", "result"),
		webhookEvents:    counter("webhook_events_total", "Applied webhook events by trigger and effect.", "trigger", "effect"),
		failures:         counter("failures_total", "Failures of a dependency the page did not wait for, by component (mautic, database, identity, tracking_proxy, spool, spool_db, log_redaction, device_evidence).", "component"),
		proxied:          counter("first_party_requests_total", "First-party tracking requests by route and status (502: Mautic unreachable).", "route", "status"),
	}
	m.cookieRewrites = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "mtc_id_rewrites_total",
		Help: "mtc_id cookies set to the signed-in user's contact.", ConstLabels: labels,
	})
	m.handovers = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "handovers_total",
		Help: "Proxied tracking hits given the user's verified email to move the browser to their contact.", ConstLabels: labels,
	})
	m.apiDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "api_call_duration_seconds",
		Help: "Mautic API attempt latency by route.", ConstLabels: labels, Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	return m
}

// gauge adds a gauge read from the state at scrape time.
func (m *metrics) gauge(instance, name, help string, read func() float64) {
	m.gauges = append(m.gauges, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: name, Help: help,
		ConstLabels: prometheus.Labels{"instance": instance},
	}, read))
}

func (m *metrics) collectors() []prometheus.Collector {
	return append([]prometheus.Collector{
		m.injection, m.identity, m.identityRejected, m.cookieRewrites, m.decisions, m.outcomes,
		m.apiCalls, m.apiDuration, m.webhookRequests, m.webhookEvents, m.failures, m.proxied, m.handovers,
	}, m.gauges...)
}

// register adds the collectors to reg. A collector already there (another
// site of the same configuration registered it) is fine.
func (m *metrics) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) {
				continue
			}
			return errors.New("mautic: registering metrics: " + err.Error())
		}
	}
	return nil
}

// observeCall counts one Mautic API attempt and keeps its outcome for
// health (mautic.Config.Observe).
func (st *state) observeCall(c mautic.Call) {
	st.metrics.observeCall(c)
	st.ping.observe(c)
}

// observeCall counts one Mautic API attempt.
func (m *metrics) observeCall(c mautic.Call) {
	m.apiCalls.WithLabelValues(c.Route, strconv.Itoa(c.Status)).Inc()
	m.apiDuration.WithLabelValues(c.Route).Observe(c.Duration.Seconds())
}

// hooks maps the engine's callbacks to the counters.
func (m *metrics) hooks() provision.Hooks {
	return provision.Hooks{
		Decision: func(r provision.Rule) { m.decisions.WithLabelValues(string(r)).Inc() },
		Outcome:  func(o provision.Outcome) { m.outcomes.WithLabelValues(string(o)).Inc() },
		Webhook: func(trigger string, e provision.WebhookEffect) {
			m.webhookEvents.WithLabelValues(triggerLabel(trigger), string(e)).Inc()
		},
	}
}

// knownTriggers bounds the trigger label: other names count as "other".
var knownTriggers = map[string]bool{
	mautic.TriggerContactIdentified: true, mautic.TriggerContactUpdated: true, mautic.TriggerContactDeleted: true,
	mautic.TriggerPointsChanged: true, mautic.TriggerChannelSubscribed: true, mautic.TriggerContactCompany: true,
	mautic.TriggerContactSegment: true, mautic.TriggerEmailSent: true, mautic.TriggerSMSSent: true,
	"mautic.email_on_open": true, "mautic.form_on_submit": true, "mautic.page_on_hit": true,
	"mautic.company_post_save": true, "mautic.company_post_delete": true,
}

func triggerLabel(t string) string {
	if knownTriggers[t] {
		return t
	}
	return "other"
}
