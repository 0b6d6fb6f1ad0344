package mautic

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestCredentialsNeverPrinted(t *testing.T) {
	auths := []Auth{testBasic, OAuth2{ClientID: "1_abc", ClientSecret: "pa55-secret"}}
	for _, a := range auths {
		cfg := Config{BaseURL: "https://m.example.com/api", Auth: a}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "auth", a)
		for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(a), logs.String()} {
			if strings.Contains(s, "pa55-secret") {
				t.Errorf("%T printed its secret: %s", a, s)
			}
		}
	}
}
