package mautic_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

// BenchmarkGetOverhead measures the client's cost per call: Contacts.Get
// against the simulator versus the baseline of a bare http.Client GET of
// the same endpoint plus a json.Unmarshal of the answer. The two alternate
// within every iteration, so load from other processes hits both alike;
// it reports both times and their ratio.
func BenchmarkGetOverhead(b *testing.B) {
	sim := mautictest.NewServer(b)
	id := sim.AddContact(map[string]string{"email": "bench@example.com", "firstname": "Bench", "preferred_locale": "de_DE"})
	c, err := mautic.New(mautic.Config{BaseURL: sim.APIURL(), Auth: mautic.BasicAuth{Username: "admin", Password: "mautic"}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer hc.CloseIdleConnections()
	url := sim.APIURL() + "/contacts/" + strconv.Itoa(id)

	bare := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.SetBasicAuth("admin", "mautic")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var v struct {
			Contact map[string]any `json:"contact"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.Contact == nil {
			b.Fatal(err)
		}
	}
	client := func() {
		got, err := c.Contacts.Get(ctx, id)
		if err != nil || got.ID != id {
			b.Fatal(err)
		}
	}
	bare() // warm both connection pools
	client()
	var tBare, tClient time.Duration
	for b.Loop() {
		t0 := time.Now()
		bare()
		t1 := time.Now()
		client()
		tClient += time.Since(t1)
		tBare += t1.Sub(t0)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tBare.Nanoseconds())/n, "baseline-ns/call")
	b.ReportMetric(float64(tClient.Nanoseconds())/n, "client-ns/call")
	b.ReportMetric(float64(tClient)/float64(tBare), "client/baseline")
}
