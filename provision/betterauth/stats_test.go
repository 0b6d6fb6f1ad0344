package betterauth

import (
	"context"
	"errors"
	"testing"
)

func TestStatsCount(t *testing.T) {
	s := loadSamples(t)["compact"]
	r := newResolver(t, Config{Secrets: []string{s.secret}}, s.now)
	for range 3 {
		r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataCookie()))
	}
	r.Resolve(context.Background(), request(""))
	r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataName+"="+flipPayload(s.data)))
	st := r.Stats()
	if st.Resolved[SourceCookieCacheCompact] != 3 || st.VerifiedCacheHits != 2 || st.Anonymous != 2 || len(st.Resolved) != 1 {
		t.Errorf("stats %+v", st)
	}
	var rejected uint64
	for _, n := range st.Rejected {
		rejected += n
	}
	if rejected != 1 {
		t.Errorf("rejected %v, want one", st.Rejected)
	}
}

func TestReasonOf(t *testing.T) {
	tests := []struct {
		err  error
		want Reason
	}{
		{errTokenMalformed, RejectTokenMalformed},
		{errTokenSignature, RejectTokenSignature},
		{errCacheExpired, RejectCacheExpired},
		{errors.Join(errJWTExpired, errors.New("x")), RejectCacheExpired},
		{errCacheVersion, RejectCacheVersion},
		{errCacheMismatch, RejectCacheMismatch},
		{errors.Join(errJWTInvalid, errJWKSFetch), RejectJWKSUnavailable},
		{errors.Join(errJWTInvalid, errJWKSUnknownID), RejectUnknownKey},
		{errNoSecret, RejectNoSecret},
		{errCompactSignature, RejectCacheSignature},
		{errJWEKey, RejectCacheSignature},
		{errCompactMalformed, RejectCacheMalformed},
		{errCacheFormat, RejectCacheMalformed},
	}
	for _, tt := range tests {
		if got := reasonOf(tt.err); got != tt.want {
			t.Errorf("reasonOf(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
	var c counters
	for _, r := range allReasons {
		c.reject(r)
	}
	if st := c.snapshot(); len(st.Rejected) != len(allReasons) {
		t.Errorf("%d reasons counted, want %d", len(st.Rejected), len(allReasons))
	}
}
