package mautictest

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// flat renders a phpArray for comparisons: "k=v" leaves, nested with dots.
func flat(a *phpArray, prefix string) []string {
	var out []string
	for _, k := range a.keys {
		switch v := a.vals[k].(type) {
		case string:
			out = append(out, prefix+k+"="+v)
		case *phpArray:
			out = append(out, flat(v, prefix+k+".")...)
		}
	}
	return out
}

func TestParsePHPQuery(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a=1&b=2", []string{"a=1", "b=2"}},
		{"search=email:some+tag@example.com", []string{"search=email:some tag@example.com"}},
		{"search=email%3Asome%2Btag%40example.com", []string{"search=email:some+tag@example.com"}},
		{"where%5B0%5D%5Bcol%5D=email&where%5B0%5D%5Bexpr%5D=eq", []string{"where.0.col=email", "where.0.expr=eq"}},
		{"tags[]=a&tags[]=b", []string{"tags.0=a", "tags.1=b"}},
		{"w[0][val][]=x&w[0][val][]=y", []string{"w.0.val.0=x", "w.0.val.1=y"}},
		{"a=1&a=2", []string{"a=2"}},
		{"a=1&a[x]=2", []string{"a.x=2"}},
		{"page.title=x", []string{"page_title=x"}},
		{"a[b=1", []string{"a_b=1"}},
		{"[x]=1&=2&bad=%zz", nil},
		{"k", []string{"k="}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := flat(parsePHPQuery(tt.in), ""); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParsePHPQuery(f *testing.F) {
	for _, s := range []string{"a=1", "w[0][val][]=x", "a[b][c]=d&a[b][]=e", "[=&]", "a[]]=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := parsePHPQuery(s)
		for _, k := range a.keys {
			if _, ok := a.vals[k]; !ok {
				t.Fatalf("key %q has no value", k)
			}
		}
		_, _ = parseWhere(a.vals["where"]) // must not panic
	})
}

func TestReadBody(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		wantErr           bool
		want              string // str("k") of the params
		notObject         bool
	}{
		{"json", "application/json", `{"k":"v"}`, false, "v", false},
		{"json number", "application/json", `{"k":42}`, false, "42", false},
		{"json bool", "application/json; charset=utf-8", `{"k":true}`, false, "1", false},
		{"json null", "application/json", `{"k":null}`, false, "", false},
		{"json list", "application/json", `[{"k":"v"}]`, false, "", true},
		{"empty json", "application/json", ``, false, "", false},
		{"bad json", "application/json", `{"k":`, true, "", false},
		{"two values", "application/json", `{} {}`, true, "", false},
		{"form", "application/x-www-form-urlencoded", `k=a+b%40c`, false, "a b@c", false},
		{"no type", "", `k=v`, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			v, err := readBody(r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			p, ok := toParams(v)
			if ok == tt.notObject {
				t.Fatalf("toParams ok = %v", ok)
			}
			if ok && p.str("k") != tt.want {
				t.Errorf("k = %q, want %q", p.str("k"), tt.want)
			}
		})
	}
}

func TestListItems(t *testing.T) {
	keys, items, ok := listItems(map[string]any{"10": "c", "2": "b", "0": "a"})
	if !ok || !reflect.DeepEqual(keys, []string{"0", "2", "10"}) || !reflect.DeepEqual(items, []any{"a", "b", "c"}) {
		t.Errorf("object items = %v %v", keys, items)
	}
	if _, _, ok := listItems("x"); ok {
		t.Error("a string is not a list")
	}
}
