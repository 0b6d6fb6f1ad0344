// Package mautictest runs an in-process Mautic 5.1 for tests, the way
// net/http/httptest runs a server: NewServer starts it on 127.0.0.1 and
// t.Cleanup stops it.
//
// The simulator reproduces the wire behaviour recorded from a real Mautic
// 5.1.0 (see shared/mautic/recordings), including the parts integration code
// tends to get wrong:
//
//   - GET /api/contacts answers {"total":"N","contacts":{id:{...}}}: total is a
//     string, contacts an object in last_active DESC order ({} when empty).
//     search= is a substring match over many columns and "email:" a prefix
//     LIKE; only where[n][col|expr|val] with expr=eq is an exact lookup.
//   - POST /api/contacts/new dedupes by email (200 updates, 201 creates), but
//     not atomically: WithCreateRaceWindow lets two creates of one new email
//     both insert, as on a real install.
//   - PUT blanks every field it is not sent and, on an unknown id, creates a
//     contact under a new id; PATCH with another contact's email is a 422.
//   - A merged-away id answers the surviving contact (Merge).
//   - Basic auth, OAuth2 client credentials, the API limiter, and Mautic's
//     error bodies for 400/401/403/404/422/429/500.
//   - /mtc.js, /mtc/event, /mtracking.gif and /mtc: anonymous contacts keyed
//     by the mautic_device_id cookie alone, bots ignored, an email in a hit
//     honoured only for a publicly updatable field (SetPubliclyUpdatable).
//   - Webhooks signed like Mautic, sent inside the API call or queued until
//     FlushWebhooks.
//
// A test of code that provisions contacts might read:
//
//	func TestSignupCreatesOneContact(t *testing.T) {
//		m := mautictest.NewServer(t, mautictest.WithCreateRaceWindow(50*time.Millisecond))
//		hooks := httptest.NewServer(myWebhookHandler)
//		defer hooks.Close()
//		m.AddWebhook(mautictest.Webhook{URL: hooks.URL, Secret: "s3cret"})
//
//		app := newApp(m.APIURL(), "admin", "mautic") // the defaults of WithBasicAuth
//		app.SignUpTwiceAtOnce("jane@example.com")
//
//		if got := m.ContactsByEmail("jane@example.com"); len(got) != 1 {
//			t.Fatalf("%d contacts for one person", len(got))
//		}
//		if n := m.Calls("POST /api/contacts/new"); n != 1 {
//			t.Errorf("%d creates, want 1", n)
//		}
//	}
//
// Faults are injected at run time (SetLatency, FailNext, ResetNext, SetDown)
// and every request is counted by route ("POST /api/contacts/new"), so a test
// can assert how many calls its code made.
//
// The package uses only the standard library and shares no code with the
// client in package mautic, so a client bug cannot hide behind shared code.
//
// The same simulator runs as a server for demos and browser tests:
//
//	go run ./mautic/mautictest/cmd/mautic-sim -addr 127.0.0.1:8081 -inspect 127.0.0.1:8082
package mautictest
