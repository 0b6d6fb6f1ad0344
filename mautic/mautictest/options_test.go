package mautictest

import (
	"testing"
	"time"
)

func TestOptions(t *testing.T) {
	c := defaultConfig()
	if c.basicUser != "admin" || c.basicPass != "mautic" || !c.basicOn || !c.apiOn || c.tokenLifetime != time.Hour || c.rateLimit != 0 {
		t.Errorf("defaults = %+v", c)
	}
	clock := func() time.Time { return time.Unix(0, 0) }
	for _, o := range []Option{WithBasicAuth("u", "p"), WithoutBasicAuth(), WithAPIDisabled(), WithOAuth2Client("1_x", "y"),
		WithTokenLifetime(time.Minute), WithRateLimit(5, time.Minute), WithCreateRaceWindow(time.Second),
		WithLatency(time.Millisecond), WithClock(clock), WithSiteURL("https://proxy.example/")} {
		o(&c)
	}
	if c.basicUser != "u" || c.basicOn || c.apiOn || c.oauthClients["1_x"] != "y" || c.tokenLifetime != time.Minute ||
		c.rateLimit != 5 || c.rateWindow != time.Minute || c.raceWindow != time.Second || c.latency != time.Millisecond ||
		!c.now().Equal(time.Unix(0, 0)) || c.siteURL != "https://proxy.example" {
		t.Errorf("options = %+v", c)
	}
}
