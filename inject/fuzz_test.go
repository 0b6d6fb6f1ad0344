package inject

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// fuzzSeeds are inputs that reach the tokenizer's corners, so the fuzzer
// starts from them rather than from scratch.
func fuzzSeeds() []string {
	seeds := []string{
		"",
		"<html><head><title>t</title></head><body>b</body></html>",
		"<HEAD></HEAD ><BODY></BODY>",
		`<head data-x="a>b" lang=en></head x='>'>`,
		"<head/><body/>",
		"<header></header></headline></head",
		"<!-- </head> --></head><!--></head><!---></head><!-- --!></head>",
		"<?xml </head> ?><!DOCTYPE html \"</head>\"></ head></>",
		`<script>"</head>"</scripty></script ></head>`,
		`<script><!--<script></script></head>--></script></head>`,
		`<script><!--</script></head><script><!--<1<script></script></head></script>`,
		`<style>/*</head>*/</style><title></head></title><textarea></body></textarea>`,
		`<noscript></head></noscript><iframe></head></iframe><xmp></xmp><noembed></noembed><noframes></noframes>`,
		`<plaintext></head>`,
		`<meta content="</head>"><meta content='</head>'><meta content=</head>></head>`,
		`<a b=c"d></head>"><a b/="></head><a ="></head>`,
		`<head><script>MauticTrackingObject</script></head>`,
		`<head></head><body>MauticTrackingObject</body>`,
		"<title>x</title><body class=a><p>x</p></body></html>",
		"a < b <3 <<<//<!<!-<!--",
		`<head><meta http-equiv="Content-Security-Policy" content="script-src 'nonce-Zm9vYmFy'"></head>`,
		`<meta http-equiv=content-security-policy content="default-src 'self'"><head></head><body></body>`,
		`<head><META Http-Equiv='CONTENT-security-policy' Content=script-src&#32;&#39;none&#39;/></head>`,
		`<head><meta content="img-src *" http-equiv="Content-Security-Policy" content="script-src 'none'"></head>`,
		`<head><meta http-equiv="Content-Security-Policy-Report-Only" content="script-src 'none'"><meta http-equiv=refresh content=1></head>`,
		`<head></head><body><meta http-equiv="Content-Security-Policy" content="script-src 'none'"></body>`,
		"<head><meta http-equiv\r\n=\"content-security-policy\"\tcontent=\"script-src 'nonce-Zm9vYmFy' 'strict-dynamic'\"></head>",
	}
	return seeds
}

// FuzzInject is the central invariant: the output is the input with the
// snippet inserted exactly once, at the place the reference tokenizer
// chooses, or the input unchanged; and it does not depend on how the input
// was cut into writes.
func FuzzInject(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add([]byte(s), uint8(i%3), uint16(0), uint64(i), false)
		f.Add([]byte(s), uint8(i%3), uint16(len(s)/2+1), uint64(i)*7919, true)
	}
	snip := testSnippet(f)
	f.Fuzz(func(t *testing.T, in []byte, placement uint8, lookAhead uint16, seed uint64, nonce bool) {
		opts := Options{Placement: Placement(placement % 3), LookAhead: int(lookAhead)}
		req := getRequest()
		rec := newRecorder()
		rec.header = htmlHeader()
		if nonce {
			rec.header.Set("Content-Security-Policy", "script-src 'nonce-Zm9vYmFy' 'strict-dynamic'")
		}
		w := NewWriter(rec, req, snip, opts)
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		for rest := in; len(rest) > 0; {
			n := 1 + rng.IntN(min(len(rest), 64))
			if rng.IntN(8) == 0 {
				n = len(rest)
			}
			if k, err := w.Write(rest[:n]); k != n || err != nil {
				t.Fatalf("Write = %d, %v", k, err)
			}
			if rng.IntN(16) == 0 {
				w.Flush()
			}
			rest = rest[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := rec.body()

		la := int(lookAhead)
		if la == 0 {
			la = DefaultLookAhead
		}
		want := in
		if at := refInsertion(in, opts.Placement, la); at >= 0 {
			metas, ok := refMetaPolicies(in, at)
			if !ok {
				t.Skip("x/net cannot judge this input")
			}
			if !samePolicies(w.sc.mc.policies, metas) {
				t.Fatalf("meta policies\n got %q\nwant %q\n  in %q", w.sc.mc.policies, metas, in)
			}
			v := evaluateCSP(rec.header, metas, snip, req)
			if v.blocked == "" {
				want = bytes.Join([][]byte{in[:at], snip.appendHTML(nil, v.nonce), in[at:]}, nil)
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("placement %v, look-ahead %d\n  in %q\n got %q\nwant %q", opts.Placement, la, in, got, want)
		}
		if (w.Outcome() == Injected) != !bytes.Equal(got, in) {
			t.Fatalf("outcome %v, but output changed: %v", w.Outcome(), !bytes.Equal(got, in))
		}
		if got := injectOnce(t, snip, opts, in, rec.header); !bytes.Equal(got, want) {
			t.Fatalf("one write gives another output:\n got %q\nwant %q", got, want)
		}
	})
}

// injectOnce writes in in one piece, with the given headers.
func injectOnce(t *testing.T, snip *Snippet, opts Options, in []byte, h http.Header) []byte {
	rec := newRecorder()
	rec.header = h.Clone()
	rec.header.Del("Content-Length")
	feed(t, rec, getRequest(), snip, opts, in)
	return rec.body()
}

// TestFuzzSeedsAgree runs the fuzz seeds through the reference check in
// ordinary test runs, which do not fuzz.
func TestFuzzSeedsAgree(t *testing.T) {
	snip := testSnippet(t)
	for _, s := range fuzzSeeds() {
		for p := range Placement(3) {
			want := s
			if at := refInsertion([]byte(s), p, DefaultLookAhead); at >= 0 {
				metas, _ := refMetaPolicies([]byte(s), at)
				if v := evaluateCSP(htmlHeader(), metas, snip, getRequest()); v.blocked == "" {
					want = s[:at] + string(snip.appendHTML(nil, v.nonce)) + s[at:]
				}
			}
			if got := injectString(t, snip, Options{Placement: p}, s, 1); got != want {
				t.Errorf("%v %q:\n got %q\nwant %q", p, s, got, want)
			}
			if strings.Contains(want, Marker) != (want != s) && !strings.Contains(s, Marker) {
				t.Errorf("bad expectation for %q", s)
			}
		}
	}
}
