package mautictest

import (
	"testing"
	"time"
)

// The API other packages were promised (mautictest-api.md). This fails to
// compile if a signature drifts.
var (
	_ func(testing.TB, ...Option) *Server  = NewServer
	_ func(string, string) Option          = WithBasicAuth
	_ func() Option                        = WithoutBasicAuth
	_ func(string, string) Option          = WithOAuth2Client
	_ func(time.Duration) Option           = WithTokenLifetime
	_ func(int, time.Duration) Option      = WithRateLimit
	_ func(time.Duration) Option           = WithCreateRaceWindow
	_ func(time.Duration) Option           = WithLatency
	_ func(func() time.Time) Option        = WithClock
	_ func(*Server) string                 = (*Server).APIURL
	_ func(*Server)                        = (*Server).Close
	_ func(*Server, time.Duration)         = (*Server).SetLatency
	_ func(*Server, string, int, int)      = (*Server).FailNext
	_ func(*Server, string, int)           = (*Server).ResetNext
	_ func(*Server, bool)                  = (*Server).SetDown
	_ func(*Server, time.Duration)         = (*Server).SetCreateRaceWindow
	_ func(*Server, string) int            = (*Server).Calls
	_ func(*Server) map[string]int         = (*Server).CallCounts
	_ func(*Server) int                    = (*Server).TotalAPICalls
	_ func(*Server)                        = (*Server).ResetCounters
	_ func(*Server, map[string]string) int = (*Server).AddContact
	_ func(*Server, int) (Contact, bool)   = (*Server).Contact
	_ func(*Server) []Contact              = (*Server).Contacts
	_ func(*Server, string) []Contact      = (*Server).ContactsByEmail
	_ func(*Server, int, int) error        = (*Server).Merge
	_ func(*Server, string, bool)          = (*Server).SetPubliclyUpdatable
	_ func(*Server, Webhook) int           = (*Server).AddWebhook
	_ func(*Server) error                  = (*Server).FlushWebhooks
	_ func(*Server) []Delivery             = (*Server).WebhookDeliveries
	_                                      = Contact{ID: 0, Fields: nil, Tags: nil, Points: 0, DateIdentified: time.Time{}, LastActive: time.Time{}, DeviceIDs: nil, Hits: 0}
	_                                      = Webhook{URL: "", Secret: "", Triggers: nil, Queued: false}
	_                                      = Delivery{URL: "", Body: nil, Signature: "", Status: 0, Err: nil}
	_ string                               = (&Server{}).URL
)
