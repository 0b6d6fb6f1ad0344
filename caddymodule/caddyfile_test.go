package caddymodule

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// adaptHandler adapts a site whose block is body and returns the mautic
// handler's JSON.
func adaptHandler(t *testing.T, body string) (map[string]any, error) {
	t.Helper()
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(":8080 {\n"+body+"\n}\n"), nil)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Routes []struct {
						Handle []map[string]any `json:"handle"`
					} `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, srv := range cfg.Apps.HTTP.Servers {
		for _, r := range srv.Routes {
			for _, h := range r.Handle {
				if h["handler"] == "mautic" {
					return h, nil
				}
			}
		}
	}
	t.Fatalf("no mautic handler in %s", out)
	return nil, nil
}

func TestCaddyfileAdapt(t *testing.T) {
	tests := []struct {
		name  string
		block string
		want  string // the handler's JSON
	}{
		{"api basic auth, timeout, budget", `
			api {env.MAUTIC_BASEURL} {
				basic_auth {env.MAUTIC_USERNAME} {env.MAUTIC_PASSWORD}
				timeout 3s
				budget 100 1h 10
			}
			tracking https://m.example.com`,
			`{"handler":"mautic","api":{"url":"{env.MAUTIC_BASEURL}","basic_auth":{"username":"{env.MAUTIC_USERNAME}","password":"{env.MAUTIC_PASSWORD}"},"timeout":3000000000,"budget":{"requests":100,"per":3600000000000,"burst":10}},"tracking":{"url":"https://m.example.com"}}`},
		{"api oauth2 with token url", `
			api https://m.example.com/api {
				oauth2 1_abc {env.MAUTIC_CLIENT_SECRET} https://m.example.com/oauth/v2/token
			}
			tracking https://m.example.com`,
			`{"handler":"mautic","api":{"url":"https://m.example.com/api","oauth2":{"client_id":"1_abc","client_secret":"{env.MAUTIC_CLIENT_SECRET}","token_url":"https://m.example.com/oauth/v2/token"}},"tracking":{"url":"https://m.example.com"}}`},
		{"tracking options", `
			tracking {env.PUBLIC_MAUTIC_URL} {
				placement before_body_end
				respect_dnt off
				consent_cookie cookie_consent yes
				attribute page_language {http.request.cookie.PARAGLIDE_LOCALE}
				attribute site shop
			}`,
			`{"handler":"mautic","tracking":{"url":"{env.PUBLIC_MAUTIC_URL}","placement":"before_body_end","ignore_privacy_signals":true,"consent_cookie":"cookie_consent","consent_value":"yes","attributes":{"page_language":"{http.request.cookie.PARAGLIDE_LOCALE}","site":"shop"}}}`},
		{"on_delete", `
			provisioning {
				on_delete permanent
			}`,
			`{"handler":"mautic","provisioning":{"on_delete":"permanent"}}`},
		{"respect_dnt on stays the default", `
			tracking https://m.example.com {
				respect_dnt on
				consent_cookie consent
			}`,
			`{"handler":"mautic","tracking":{"url":"https://m.example.com","consent_cookie":"consent"}}`},
		{"everything for provisioning", `
			api {env.MAUTIC_BASEURL} {
				basic_auth {env.MAUTIC_USERNAME} {env.MAUTIC_PASSWORD}
			}
			better_auth {
				secret {env.BETTER_AUTH_SECRET} {env.BETTER_AUTH_OLD_SECRET}
				upstream http://127.0.0.1:3000
				cookie_prefix myapp
				secure_cookies always
				bearer session
				get_session_path /auth/get-session
				jwks_path off
				cache_ttl 30s
			}
			database {env.DATABASE_URL} {
				dialect postgres
				user_table User
				session_table Session
				column user_mautic_id mautic_id
				column session_token tok
				max_open_conns 4
			}
			webhook /hooks/mautic {
				secret {env.MAUTIC_WEBHOOK_SECRET} {env.MAUTIC_WEBHOOK_OLD_SECRET}
				max_body 1MiB
				read_timeout 20s
				spool_dir /var/lib/caddy/spool
			}
			first_party /mtc-proxy {
				upstream http://mautic.internal:8080
				handover
				timeout 2s
				public_origin https://www.example.com
			}
			provisioning {
				wait 150ms
				workers 3
				batch_delay 50ms
				cache_ttl 2h
				locale de de_DE
				locale fr fr_FR
				locale_default en
				rescan 5m
				active_window 720h
				trust_unverified_emails
				evidence_window 168h
			}`,
			`{"handler":"mautic",
			"api":{"url":"{env.MAUTIC_BASEURL}","basic_auth":{"username":"{env.MAUTIC_USERNAME}","password":"{env.MAUTIC_PASSWORD}"}},
			"better_auth":{"secrets":["{env.BETTER_AUTH_SECRET}","{env.BETTER_AUTH_OLD_SECRET}"],"upstream":"http://127.0.0.1:3000","cookie_prefix":"myapp","secure_cookies":"always","bearer":"session","get_session_path":"/auth/get-session","jwks_path":"off","cache_ttl":30000000000},
			"database":{"dsn":"{env.DATABASE_URL}","dialect":"postgres","user_table":"User","session_table":"Session","columns":{"user_mautic_id":"mautic_id","session_token":"tok"},"max_open_conns":4},
			"webhook":{"path":"/hooks/mautic","secrets":["{env.MAUTIC_WEBHOOK_SECRET}","{env.MAUTIC_WEBHOOK_OLD_SECRET}"],"max_body":1048576,"read_timeout":20000000000,"spool_dir":"/var/lib/caddy/spool"},
			"first_party":{"prefix":"/mtc-proxy","upstream":"http://mautic.internal:8080","handover":true,"timeout":2000000000,"public_origin":"https://www.example.com"},
			"provisioning":{"wait":150000000,"workers":3,"batch_delay":50000000,"cache_ttl":7200000000000,"locales":{"de":"de_DE","fr":"fr_FR"},"locale_default":"en","rescan":300000000000,"active_window":2592000000000000,"trust_unverified_emails":true,"evidence_window":604800000000000}}`},
		{"webhook path defaults", `
			api https://m.example.com {
				basic_auth a b
			}
			better_auth {
				secret s
			}
			database mysql://root@127.0.0.1/app
			webhook {
				secret s
			}`,
			`{"handler":"mautic","api":{"url":"https://m.example.com","basic_auth":{"username":"a","password":"b"}},"better_auth":{"secrets":["s"]},"database":{"dsn":"mysql://root@127.0.0.1/app"},"webhook":{"secrets":["s"]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := adaptHandler(t, "mautic {\n"+tt.block+"\n}")
			if err != nil {
				t.Fatalf("adapt: %v", err)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Errorf("adapted\n%s\nwant\n%s", g, tt.want)
			}
		})
	}
}

func TestCaddyfileErrors(t *testing.T) {
	const api = "api https://m.example.com {\nbasic_auth u p\n}\n"
	tests := []struct {
		name  string
		block string
		want  string // part of the error
		line  int    // the line named, counted in the whole Caddyfile
	}{
		{"argument", "mautic foo {\ntracking https://m.example.com\n}", "takes no arguments", 2},
		{"empty", "mautic {\n}", "empty block", 0},
		{"unknown sub-directive", "mautic {\ntrackin https://x\n}", `unknown sub-directive "trackin"`, 3},
		{"twice", "mautic {\ntracking https://a\ntracking https://b\n}", "given twice", 4},
		{"unparsable url", "mautic {\ntracking ht!tp://x\n}", "tracking URL", 3},
		{"url without host", "mautic {\napi https:///api {\nbasic_auth u p\n}\n}", "has no host", 3},
		{"api without url", "mautic {\napi\n}", "needs Mautic's URL", 3},
		{"api without credentials", "mautic {\napi https://m.example.com\ntracking https://m.example.com\n}", "api has no credentials", 3},
		{"api with both auths", "mautic {\napi https://m.example.com {\nbasic_auth u p\noauth2 id secret\n}\n}", "both basic_auth and oauth2", 5},
		{"basic_auth arity", "mautic {\napi https://m.example.com {\nbasic_auth u\n}\n}", "user name and a password", 4},
		{"bad budget", "mautic {\napi https://m.example.com {\nbasic_auth u p\nbudget many 1h\n}\n}", "not a positive whole number", 5},
		{"bad timeout", "mautic {\napi https://m.example.com {\nbasic_auth u p\ntimeout soon\n}\n}", "expected a duration", 5},
		{"unknown api sub-directive", "mautic {\napi https://m.example.com {\npassword p\n}\n}", `unknown api sub-directive "password"`, 4},
		{"bad placement", "mautic {\ntracking https://m.example.com {\nplacement top\n}\n}", "before_head_end", 4},
		{"bad respect_dnt", "mautic {\ntracking https://m.example.com {\nrespect_dnt maybe\n}\n}", "on or off", 4},
		{"bad attribute", "mautic {\ntracking https://m.example.com {\nattribute lang\n}\n}", "name and a value", 4},
		{"better_auth without secret", "mautic {\n" + api + "better_auth {\nupstream http://127.0.0.1:3000\n}\n}", "better_auth has no secret", 6},
		{"bad secure_cookies", "mautic {\nbetter_auth {\nsecret s\nsecure_cookies sometimes\n}\n}", "auto, always or never", 5},
		{"bad bearer", "mautic {\nbetter_auth {\nsecret s\nbearer yes\n}\n}", "off, session or jwt", 5},
		{"bad jwks_path", "mautic {\nbetter_auth {\nsecret s\njwks_path jwks\n}\n}", "starting with / or off", 5},
		{"unknown dialect", "mautic {\n" + api + "better_auth {\nsecret s\n}\ndatabase x {\ndialect oracle\n}\n}", `unknown dialect "oracle"`, 10},
		{"unknown column", "mautic {\n" + api + "better_auth {\nsecret s\n}\ndatabase x {\ncolumn user_age age\n}\n}", `unknown column field "user_age"`, 10},
		{"database without dsn", "mautic {\ndatabase\n}", "needs a DSN", 3},
		{"database without api", "mautic {\nbetter_auth {\nsecret s\n}\ndatabase mysql://x/db\n}", "database needs api", 6},
		{"database without better_auth", "mautic {\n" + api + "database mysql://x/db\n}", "database needs better_auth", 6},
		{"webhook without secret", "mautic {\n" + api + "better_auth {\nsecret s\n}\ndatabase mysql://x/db\nwebhook /hook\n}", "webhook has no secret", 10},
		{"webhook without database", "mautic {\n" + api + "webhook /hook {\nsecret s\n}\n}", "webhook needs database", 6},
		{"webhook path", "mautic {\nwebhook hook\n}", "starting with /", 3},
		{"bad max_body", "mautic {\nwebhook {\nsecret s\nmax_body lots\n}\n}", "max_body", 5},
		{"bad read_timeout", "mautic {\nwebhook {\nsecret s\nread_timeout 0s\n}\n}", "read_timeout", 5},
		{"first_party without prefix", "mautic {\nfirst_party\n}", "needs a path prefix", 3},
		{"first_party trailing slash", "mautic {\nfirst_party /mtc/\n}", "without a trailing slash", 3},
		{"first_party nowhere to go", "mautic {\nfirst_party /mtc\n}", "nowhere to proxy to", 3},
		{"handover with an argument", "mautic {\nfirst_party /mtc {\nhandover yes\n}\n}", "wrong argument count", 4},
		{"first_party prefix with a quote", "mautic {\nfirst_party /mtc'x\n}", "plain path", 3},
		{"public_origin with a path", "mautic {\nfirst_party /mtc {\npublic_origin https://www.example.com/shop\n}\n}", "has a path", 4},
		{"public_origin with a query", "mautic {\nfirst_party /mtc {\npublic_origin https://www.example.com?x\n}\n}", "query", 4},
		{"bad workers", "mautic {\nprovisioning {\nworkers 0\n}\n}", "positive whole number", 4},
		{"bad locale", "mautic {\nprovisioning {\nlocale de\n}\n}", "the site's tag and Mautic's locale", 4},
		{"unknown provisioning sub-directive", "mautic {\nprovisioning {\nbatch 5\n}\n}", `unknown provisioning sub-directive "batch"`, 4},
		{"bad on_delete", "mautic {\nprovisioning {\non_delete forever\n}\n}", "on_delete takes one of wait_for_visit, permanent", 4},
		{"trust_unverified_emails with an argument", "mautic {\nprovisioning {\ntrust_unverified_emails yes\n}\n}", "trust_unverified_emails takes no arguments", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := adaptHandler(t, tt.block)
			if err == nil {
				t.Fatal("adapted without error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.line > 0 && !strings.Contains(err.Error(), "Caddyfile:"+strconv.Itoa(tt.line)) {
				t.Errorf("error %q does not name line %d", err, tt.line)
			}
		})
	}
}

// TestDirectiveOrder checks where the directive sits without an order
// line: after encode, before handle (and the handlers inside it).
func TestDirectiveOrder(t *testing.T) {
	site := `:8080 {
	handle /api/* {
		reverse_proxy 127.0.0.1:3000
	}
	handle {
		encode gzip
		reverse_proxy 127.0.0.1:3000
	}
	mautic {
		tracking https://m.example.com
	}
	templates
	encode zstd gzip
}`
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(site), nil)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if h, ok := x["handler"].(string); ok {
				order = append(order, h)
			}
			for _, k := range []string{"routes", "handle"} {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var cfg map[string]any
	_ = json.Unmarshal(out, &cfg)
	walk(cfg["apps"].(map[string]any)["http"].(map[string]any)["servers"].(map[string]any)["srv0"])
	got := strings.Join(order, ",")
	want := "encode,mautic,templates,subroute,reverse_proxy,subroute,encode,reverse_proxy"
	if got != want {
		t.Errorf("handler order %s, want %s", got, want)
	}
}

// FuzzUnmarshalCaddyfile feeds arbitrary blocks to the parser: it must
// return an error or a handler, never panic.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	for _, seed := range []string{
		"mautic {\ntracking https://m.example.com\n}",
		"mautic {\napi {env.X} {\nbasic_auth a b\nbudget 1 1h 2\n}\nbetter_auth {\nsecret s\n}\ndatabase x {\ncolumn user_id id\n}\nwebhook /w {\nsecret s\n}\n}",
		"mautic {\nfirst_party /p {\nhandover\n}\nprovisioning {\nlocale a b\n}\n}",
		"mautic {\n}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		tokens, err := caddyfile.Tokenize([]byte(input), "Caddyfile")
		if err != nil {
			return
		}
		h := new(Handler)
		_ = h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens))
	})
}
