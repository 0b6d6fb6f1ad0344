package inject

import (
	"strings"
	"testing"
)

// placementCase is an input and where the snippet must go ("@@"); a want
// without "@@" means the input passes through unchanged.
type placementCase struct {
	name      string
	placement Placement
	lookAhead int
	in        string
	want      string
}

// placementCases are all the cases: those about tags here, those about
// comments and raw text in rawtext_test.go.
var placementCases = append(tagCases, rawTextCases...)

var tagCases = []placementCase{
	{name: "plain head", in: "<html><head><title>t</title></head><body>x</body></html>",
		want: "<html><head><title>t</title>@@</head><body>x</body></html>"},
	{name: "uppercase end tag", in: "<HTML><HEAD><TITLE>t</TITLE></HEAD><BODY>",
		want: "<HTML><HEAD><TITLE>t</TITLE>@@</HEAD><BODY>"},
	{name: "mixed case and space before >", in: "<head></HeAd \n><body>",
		want: "<head>@@</HeAd \n><body>"},
	{name: "end tag with attributes holding >", in: `<head></head data-x="a>b"><body>`,
		want: `<head>@@</head data-x="a>b"><body>`},
	{name: "self-closing end tag", in: "<head></head/><body>", want: "<head>@@</head/><body>"},
	{name: "header is not head", in: "<head><header></header></head>", want: "<head><header></header>@@</head>"},
	{name: "headline end tag is not head", in: "<p></headline></p></head>", want: "<p></headline></p>@@</head>"},
	{name: "end tag at end of body never closes", in: "<head><title>x</title></head", want: "<head><title>x</title></head"},
	{name: "no head at all", in: "<!doctype html><p>hello</p>", want: "<!doctype html><p>hello</p>"},
	{name: "body without head tags", in: "<!doctype html><title>x</title><body class=a><p>hi",
		want: "<!doctype html><title>x</title>@@<body class=a><p>hi"},
	{name: "body start comes first", in: "<body><p></head>", want: "@@<body><p></head>"},
	{name: "bodyx is not body", in: "<bodyx></head>", want: "<bodyx>@@</head>"},
	{name: "empty body", in: "", want: ""},
	{name: "end head in quoted attribute", in: `<meta content="</head>"><meta content='</head>'></head>`,
		want: `<meta content="</head>"><meta content='</head>'>@@</head>`},
	{name: "unquoted attribute ends at >", in: `<meta content=</head>></head>`, want: `<meta content=</head>>@@</head>`},
	{name: "quote inside unquoted value", in: `<a b=c"d></head>">`, want: `<a b=c"d>@@</head>">`},
	{name: "slash-equals starts a name", in: `<a b/="></head>`, want: `<a b/=">@@</head>`},
	{name: "equals first in attribute name", in: `<a ="></head>`, want: `<a =">@@</head>`},
	{name: "spaces around equals", in: `<a b = "</head>"></head>`, want: `<a b = "</head>">@@</head>`},
	{name: "marker before insertion point", in: `<head><script>window.MauticTrackingObject="mt"</script></head>`,
		want: `<head><script>window.MauticTrackingObject="mt"</script></head>`},
	{name: "marker after insertion point", in: `<head></head><body><script>MauticTrackingObject</script>`,
		want: `<head>@@</head><body><script>MauticTrackingObject</script>`},
	{name: "marker in the end tag itself", in: `<head></head MauticTrackingObject>`, want: `<head></head MauticTrackingObject>`},

	{name: "after head start", placement: AfterHeadStart, in: `<html><head><title>x</title></head>`,
		want: `<html><head>@@<title>x</title></head>`},
	{name: "after head start with attributes", placement: AfterHeadStart, in: `<HEAD data-x="a>b" lang=en><title>`,
		want: `<HEAD data-x="a>b" lang=en>@@<title>`},
	{name: "after self-closing head", placement: AfterHeadStart, in: `<head/><title>`, want: `<head/>@@<title>`},
	{name: "after head start, header is not head", placement: AfterHeadStart, in: `<header><head>`, want: `<header><head>@@`},
	{name: "after head start, body fallback", placement: AfterHeadStart, in: `<title>x</title><body>`, want: `<title>x</title>@@<body>`},
	{name: "after head start ignores end head", placement: AfterHeadStart, in: `<title>x</title></head>`, want: `<title>x</title></head>`},
	{name: "after head start in comment", placement: AfterHeadStart, in: `<!--<head>--><head>`, want: `<!--<head>--><head>@@`},

	{name: "before body end", placement: BeforeBodyEnd, in: `<head></head><body><p>x</p></body></html>`,
		want: `<head></head><body><p>x</p>@@</body></html>`},
	{name: "before body end skips textarea", placement: BeforeBodyEnd, in: `<body><textarea></body></textarea></BODY>`,
		want: `<body><textarea></body></textarea>@@</BODY>`},
	{name: "before body end without end tag", placement: BeforeBodyEnd, in: `<body><p>x`, want: `<body><p>x`},
	{name: "before body end ignores body start", placement: BeforeBodyEnd, in: `<body></head>`, want: `<body></head>`},

	{name: "tag ends exactly at look-ahead", lookAhead: len("<head></head>"), in: "<head></head>", want: "<head>@@</head>"},
	{name: "tag ends past look-ahead", lookAhead: len("<head></head>") - 1, in: "<head></head>", want: "<head></head>"},
	{name: "after head at look-ahead", placement: AfterHeadStart, lookAhead: 6, in: "<head>x", want: "<head>@@x"},
	{name: "huge head beyond default look-ahead", in: "<head>" + strings.Repeat(`<meta name="x" content="y">`, 3000) + "</head>",
		want: "<head>" + strings.Repeat(`<meta name="x" content="y">`, 3000) + "</head>"},
	{name: "huge head within a larger look-ahead", lookAhead: 1 << 20, in: "<head>" + strings.Repeat(`<meta name="x" content="y">`, 3000) + "</head>",
		want: "<head>" + strings.Repeat(`<meta name="x" content="y">`, 3000) + "@@</head>"},
}

// TestPlacement checks every case written in one piece, split in two at
// every offset, and one byte per write; all must give the same output, and
// agree with the reference tokenizer.
func TestPlacement(t *testing.T) {
	snip := testSnippet(t)
	for _, tc := range placementCases {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Placement: tc.placement, LookAhead: tc.lookAhead}
			want := expand(tc.want, snip)
			if got := injectString(t, snip, opts, tc.in); got != want {
				t.Fatalf("one write:\n got %q\nwant %q", got, want)
			}
			if got := injectString(t, snip, opts, tc.in, 1); got != want {
				t.Fatalf("one byte per write:\n got %q\nwant %q", got, want)
			}
			for cut := 1; cut < len(tc.in); cut += splitStep(len(tc.in)) {
				if got := injectString(t, snip, opts, tc.in, cut, len(tc.in)); got != want {
					t.Fatalf("split at %d:\n got %q\nwant %q", cut, got, want)
				}
			}
			la := tc.lookAhead
			if la == 0 {
				la = DefaultLookAhead
			}
			wantAt := strings.Index(tc.want, "@@")
			if at := refInsertion([]byte(tc.in), tc.placement, la); at != wantAt {
				t.Fatalf("reference tokenizer puts the snippet at %d, the case at %d", at, wantAt)
			}
		})
	}
}

// TestEndTagSplitAtEveryOffset moves a write boundary through "</head>" in
// a page with text before and after it, including three-way splits.
func TestEndTagSplitAtEveryOffset(t *testing.T) {
	snip := testSnippet(t)
	const in = "<html><head><title>t</title></head><body>b</body></html>"
	want := strings.Replace(in, "</head>", snip.HTML()+"</head>", 1)
	tag := strings.Index(in, "</head>")
	for a := tag - 1; a <= tag+len("</head>"); a++ {
		for b := a + 1; b <= tag+len("</head>")+1; b++ {
			if got := injectString(t, snip, Options{}, in, a, b-a, len(in)); got != want {
				t.Fatalf("writes cut at %d and %d:\n got %q\nwant %q", a, b, got, want)
			}
		}
	}
}

func TestScannerNameBuffer(t *testing.T) {
	// A name longer than maxName must not match, nor overflow the buffer.
	snip := testSnippet(t)
	in := "<" + strings.Repeat("script", 20) + "></head>"
	want := "<" + strings.Repeat("script", 20) + ">" + snip.HTML() + "</head>"
	if got := injectString(t, snip, Options{}, in, 3); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// splitStep keeps splitting at every offset affordable for the huge cases.
func splitStep(n int) int {
	if n < 4096 {
		return 1
	}
	return 997
}
