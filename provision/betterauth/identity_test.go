package betterauth

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestCachePayloadCheck(t *testing.T) {
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	var base cachePayload
	if err := json.Unmarshal([]byte(testPayload("tok", "u1", now)), &base); err != nil {
		t.Fatal(err)
	}
	v2 := "2"
	tests := []struct {
		name    string
		edit    func(*cachePayload)
		token   string
		exp     time.Time
		wantErr error
	}{
		{"valid", nil, "tok", now.Add(time.Minute), nil},
		{"other token", nil, "tok2", now.Add(time.Minute), errCacheMismatch},
		{"cache expired", nil, "tok", now, errCacheExpired},
		{"session expired", func(p *cachePayload) { p.Session.ExpiresAt = isoTime(now.Add(-time.Second)) }, "tok", now.Add(time.Minute), errCacheExpired},
		{"session expiry missing", func(p *cachePayload) { p.Session.ExpiresAt = isoTime{} }, "tok", now.Add(time.Minute), errCacheExpired},
		{"version differs", func(p *cachePayload) { p.Version = &v2 }, "tok", now.Add(time.Minute), errCacheVersion},
		{"version missing", func(p *cachePayload) { p.Version = nil }, "tok", now.Add(time.Minute), errCacheVersion},
		{"no user id", func(p *cachePayload) { p.User.ID = "" }, "tok", now.Add(time.Minute), errCacheNoUser},
		{"session of another user", func(p *cachePayload) { p.Session.UserID = "u2" }, "tok", now.Add(time.Minute), errCacheNoUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			if tt.edit != nil {
				tt.edit(&p)
			}
			id, err := p.check(tt.token, "1", tt.exp, now, SourceCookieCacheCompact)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && (id.UserID != "u1" || id.Email != "t@example.test" || id.Locale != "fr" || id.MauticID != 99 ||
				id.SessionToken != "tok" || !id.ExpiresAt.Equal(tt.exp) || id.Source != SourceCookieCacheCompact) {
				t.Errorf("identity %+v", id)
			}
		})
	}
}

func TestMauticIDValues(t *testing.T) {
	tests := map[string]int{`4242`: 4242, `null`: 0, `"17"`: 17, `-3`: 0, `0`: 0, `1.5`: 0, `"x"`: 0, `99999999999`: 0, `{}`: 0}
	for in, want := range tests {
		var u userFields
		if err := json.Unmarshal([]byte(`{"id":"u","mauticId":`+in+`}`), &u); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if int(u.MauticID) != want {
			t.Errorf("mauticId %s read as %d, want %d", in, u.MauticID, want)
		}
	}
	var u userFields
	if err := json.Unmarshal([]byte(`{"id":"u"}`), &u); err != nil || u.MauticID != 0 {
		t.Errorf("absent mauticId: %d, %v", u.MauticID, err)
	}
}

func TestSourceString(t *testing.T) {
	seen := map[string]bool{}
	for s := SourceNone; s < numSources; s++ {
		n := s.String()
		if n == "" || seen[n] {
			t.Errorf("source %d has name %q (empty or repeated)", s, n)
		}
		seen[n] = true
	}
	if Source(99).String() != "Source(99)" {
		t.Errorf("unknown source named %q", Source(99).String())
	}
}
