package provision

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestNewLocalesRejectsBadEntries(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want string // part of the error; "" for none
	}{
		{"defaults", DefaultLocales(), ""},
		{"custom", map[string]string{"de": "de_AT", "pt_BR": "pt_BR"}, ""},
		{"empty key", map[string]string{"": "de_DE"}, "not a language tag"},
		{"key with space", map[string]string{"d e": "de_DE"}, "not a language tag"},
		{"key starting with separator", map[string]string{"-de": "de_DE"}, "not a language tag"},
		{"value with dash", map[string]string{"de": "de-DE"}, "not a Mautic locale"},
		{"value lowercase region", map[string]string{"de": "de_de"}, "not a Mautic locale"},
		{"empty value", map[string]string{"de": ""}, "not a Mautic locale"},
		{"same tag twice", map[string]string{"pt-BR": "pt_BR", "pt_br": "pt_PT"}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newLocales(tt.in)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLocalesMatch(t *testing.T) {
	l, err := newLocales(DefaultLocales())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ tag, want string }{
		{"de", "de_DE"},
		{"DE", "de_DE"},
		{" de ", "de_DE"},
		{"de-AT", "de_AT"},
		{"de_AT", "de_AT"},
		{"de-LU", "de_DE"},        // unknown region: the language's default
		{"zh-Hant-TW", "zh_Hant"}, // zh-hant-tw is not listed, zh-hant is
		{"zh-TW", "zh_Hant_TW"},
		{"pt-BR", "pt_BR"},
		{"pt", "pt_PT"},
		{"xx", ""},
		{"", ""},
		{"*", ""},
		{"de;q=1", ""},
		{"<script>", ""},
		{strings.Repeat("a", 40), ""},
	}
	for _, tt := range tests {
		if got := l.match(tt.tag); got != tt.want {
			t.Errorf("match(%q) = %q, want %q", tt.tag, got, tt.want)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	l, err := newLocales(DefaultLocales())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ header, want string }{
		{"de-CH,de;q=0.9,en;q=0.8", "de_CH"},
		{"en;q=0.8,fr;q=0.9", "fr_FR"},
		{"xx,fr;q=0.1", "fr_FR"},          // the unknown favourite is skipped
		{"fr;q=0.5,de;q=0.5", "fr_FR"},    // a tie goes to the earlier range
		{"*;q=1,it;q=0.2", "it_IT"},       // wildcards are not a language
		{"de;q=0,en;q=0.1", "en_US"},      // q=0 means "not this one"
		{"de;q=2,en;q=0.1", "en_US"},      // a malformed q drops the range
		{"de;q=0.1234,en;q=0.1", "en_US"}, // more than three decimals
		{"de;q=abc", ""},
		{"de ; q = 0.7 , nl ; q = 0.8", "nl_NL"}, // spaces around parameters
		{"de;level=1;q=0.4,es;q=0.3", "de_DE"},   // other parameters are ignored
		{"de;Q=0.2,es;q=0.3", "es_ES"},           // the parameter name is case-insensitive
		{"pt-BR", "pt_BR"},
		{"", ""},
		{",,,", ""},
		{"xx-YY", ""},
		{"1.0", ""},
	}
	for _, tt := range tests {
		if got := l.fromAcceptLanguage(tt.header); got != tt.want {
			t.Errorf("fromAcceptLanguage(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestFromAcceptLanguageBoundsWork(t *testing.T) {
	l, _ := newLocales(DefaultLocales())
	// The known language comes after the 32 entries read: it is not seen.
	h := strings.Repeat("xx,", maxAcceptLanguageEntries) + "de"
	if got := l.fromAcceptLanguage(h); got != "" {
		t.Errorf("entry %d was read: %q", maxAcceptLanguageEntries+1, got)
	}
	h = strings.Repeat("xx,", maxAcceptLanguageEntries-1) + "de"
	if got := l.fromAcceptLanguage(h); got != "de_DE" {
		t.Errorf("entry %d was not read: %q", maxAcceptLanguageEntries, got)
	}
}

func TestForVisitOrder(t *testing.T) {
	l, _ := newLocales(DefaultLocales())
	tests := []struct {
		name                 string
		user, paraglide, acc string
		want                 string
		explicit             bool
	}{
		{"user field first", "fr", "de", "it", "fr_FR", true},
		{"paraglide next", "", "de", "it", "de_DE", true},
		{"accept-language last", "", "", "it;q=0.5", "it_IT", false},
		{"unknown user field skipped", "klingon", "de", "", "de_DE", true},
		{"unknown everywhere", "xx", "yy", "zz", "", false},
		{"nothing", "", "", "", "", false},
		// With the schema default "en" declared:
		{"default: the field is no choice", "en", "", "", "en_US", false},
		{"default: accept-language before it", "en", "", "de", "de_DE", false},
		{"default: a switch is a choice", "en", "fr", "de", "fr_FR", true},
		{"default: a cookie repeating the browser is none", "en", "de", "de-DE", "de_DE", false},
		{"default: a cookie repeating the default is none", "en", "en", "", "en_US", false},
		{"default: another field is a choice", "de", "", "", "de_DE", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := ""
			if strings.HasPrefix(tt.name, "default:") {
				def = "en"
			}
			got, explicit := l.forVisit(tt.user, tt.paraglide, tt.acc, def)
			if got != tt.want || explicit != tt.explicit {
				t.Errorf("forVisit = %q, %v; want %q, %v", got, explicit, tt.want, tt.explicit)
			}
		})
	}
}

func TestDefaultLocalesAreMauticLocales(t *testing.T) {
	for tag, loc := range DefaultLocales() {
		if !mauticLocalePattern.MatchString(loc) {
			t.Errorf("%s -> %q is not a Mautic locale", tag, loc)
		}
	}
}

func FuzzFromAcceptLanguage(f *testing.F) {
	for _, s := range []string{"de-CH,de;q=0.9,en;q=0.8,*;q=0.5", "", "de;q=", ";;;", "zh-Hant-TW", "en;q=1.000", "fr;q=0.", "a_b-c"} {
		f.Add(s)
	}
	l, err := newLocales(DefaultLocales())
	if err != nil {
		f.Fatal(err)
	}
	values := slices.Collect(maps.Values(DefaultLocales()))
	f.Fuzz(func(t *testing.T, header string) {
		got := l.fromAcceptLanguage(header)
		if got != "" && !slices.Contains(values, got) {
			t.Fatalf("fromAcceptLanguage(%q) = %q, which the map does not hold", header, got)
		}
		// The result never depends on bytes past the bound.
		if len(header) > maxAcceptLanguageLen {
			if again := l.fromAcceptLanguage(header[:maxAcceptLanguageLen]); again != got {
				t.Fatalf("bytes past the bound changed the answer: %q vs %q", got, again)
			}
		}
	})
}
