package mautic

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestWirePing(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			reply(w, 200, recorded(t, "28_contact_fields_list"))
			return
		}
		reply(w, 503, server503)
	})
	c := f.client(t)
	res, err := c.Ping(context.Background())
	if err != nil || res.Version != "5.1.0" || res.Latency <= 0 {
		t.Fatalf("Ping = %+v, %v", res, err)
	}
	q, _ := url.ParseQuery(f.requests()[0].RawQuery)
	if p := f.requests()[0].Path; q.Get("limit") != "1" || !strings.HasSuffix(p, "/fields/contact") {
		t.Errorf("Ping asked %s?%v, want one contact field: not GET /contacts, which counts every contact", p, q)
	}
	if _, err := c.Ping(context.Background()); !IsUnavailable(err) || f.count() != 2 {
		t.Fatalf("Ping on 503 = %v after %d calls; Ping never retries", err, f.count())
	}
}
