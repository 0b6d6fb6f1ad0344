package inject

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
)

// Benchmarks compare the injector with a plain pass-through wrapper over the
// same writes in the same run; report ratios, not absolute times.
//
//	go test -run '^$' -bench . -benchmem ./inject

// sveltePage builds a ~size byte SvelteKit-like page from the conformance
// page: its head padded with modulepreload links until </head> starts at
// about headEnd, its course list repeated until the page is size bytes.
func sveltePage(tb testing.TB, headEnd, size int) []byte {
	tb.Helper()
	src, err := os.ReadFile("testdata/pages/sveltekit-ssr.html")
	if err != nil {
		tb.Fatal(err)
	}
	bodyAt := bytes.Index(src, []byte("<body"))
	headClose := bytes.LastIndex(src[:bodyAt], []byte("</head>"))
	headClose = bytes.LastIndexByte(src[:headClose], '\n') // keep the indentation line
	item := []byte(`<li class="svelte-9qdd2v"><a href="/de/kurse/4" class="svelte-9qdd2v"><h2 class="svelte-9qdd2v">Aquarellmalen am Abend</h2> <p class="svelte-9qdd2v">Do, 15. Jan · 18:30</p></a></li>`)
	listEnd := bytes.Index(src, []byte("<!--]--></ul>"))

	var b bytes.Buffer
	b.Write(src[:headClose])
	for i := 0; b.Len() < headEnd-80; i++ {
		fmt.Fprintf(&b, "\n\t\t<link rel=\"modulepreload\" href=\"../_app/immutable/chunks/c%d.Dd7mGQ2x.js\">", i)
	}
	b.Write(src[headClose:listEnd])
	for b.Len() < size-(len(src)-listEnd) {
		b.Write(item)
	}
	b.Write(src[listEnd:])
	return b.Bytes()
}

// noInsertionPage is the page with its head and body tags renamed.
func noInsertionPage(page []byte) []byte {
	for _, r := range [][2]string{{"</head>", "</hexd>"}, {"<body", "<bxdy"}, {"</body>", "</bxdy>"}} {
		page = bytes.ReplaceAll(page, []byte(r[0]), []byte(r[1]))
	}
	return page
}

// discardWriter is a ResponseWriter that costs next to nothing and reuses
// its header map, so that benchmarks measure the writers on top of it.
type discardWriter struct {
	h      http.Header
	writes int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(p []byte) (int, error) { d.writes++; return len(p), nil }

// passWriter is the baseline: a wrapper that only forwards.
type passWriter struct{ rw http.ResponseWriter }

func (p *passWriter) Header() http.Header         { return p.rw.Header() }
func (p *passWriter) WriteHeader(code int)        { p.rw.WriteHeader(code) }
func (p *passWriter) Write(b []byte) (int, error) { return p.rw.Write(b) }

var (
	htmlType = []string{"text/html; charset=utf-8"}
	pngType  = []string{"image/png"}
)

type benchCase struct {
	name   string
	page   []byte
	chunk  int // 0: one write
	ctype  []string
	length bool // send Content-Length, as a file server would
}

func BenchmarkInject(b *testing.B) {
	page := sveltePage(b, 4200, 100<<10)
	b.Logf("page %d bytes, </head> at %d", len(page), bytes.LastIndex(page[:bytes.Index(page, []byte("<body"))], []byte("</head>")))
	cases := []benchCase{
		{name: "chunks=4KiB", page: page, chunk: 4 << 10, ctype: htmlType},
		{name: "chunks=1B", page: page, chunk: 1, ctype: htmlType},
		{name: "chunks=one", page: page, ctype: htmlType},
		{name: "chunks=one+length", page: page, ctype: htmlType, length: true},
		{name: "no-insertion-point/chunks=4KiB", page: noInsertionPage(page), chunk: 4 << 10, ctype: htmlType},
		{name: "not-html/chunks=4KiB", page: page, chunk: 4 << 10, ctype: pngType},
	}
	snip := testSnippet(b)
	req := getRequest()
	for _, bc := range cases {
		b.Run(bc.name+"/writer=passthrough", func(b *testing.B) {
			runBench(b, bc, func(d *discardWriter) http.ResponseWriter { return &passWriter{rw: d} })
		})
		b.Run(bc.name+"/writer=inject", func(b *testing.B) {
			runBench(b, bc, func(d *discardWriter) http.ResponseWriter { return NewWriter(d, req, snip, Options{}) })
		})
	}
	// For scale: find the first "</head>" and splice, with no tokenizer.
	b.Run("chunks=one/writer=naive-splice", func(b *testing.B) {
		d := &discardWriter{h: http.Header{}}
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			i := bytes.Index(page, []byte("</head>"))
			d.Write(page[:i])
			d.Write(snip.html)
			d.Write(page[i:])
		}
	})
}

func runBench(b *testing.B, bc benchCase, wrap func(*discardWriter) http.ResponseWriter) {
	d := &discardWriter{h: http.Header{}}
	length := []string{strconv.Itoa(len(bc.page))}
	chunk := bc.chunk
	if chunk == 0 {
		chunk = len(bc.page)
	}
	b.SetBytes(int64(len(bc.page)))
	b.ReportAllocs()
	for b.Loop() {
		clear(d.h)
		d.h["Content-Type"] = bc.ctype
		if bc.length {
			length[0] = strconv.Itoa(len(bc.page)) // the writer may rewrite it
			d.h["Content-Length"] = length
		}
		w := wrap(d)
		w.WriteHeader(http.StatusOK)
		for off := 0; off < len(bc.page); off += chunk {
			w.Write(bc.page[off:min(off+chunk, len(bc.page))])
		}
		if c, ok := w.(io.Closer); ok {
			c.Close()
		}
	}
}
