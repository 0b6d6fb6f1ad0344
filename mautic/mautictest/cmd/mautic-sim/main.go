// Command mautic-sim runs the Mautic 5.1 simulator of package mautictest as a
// standalone server, so that the demo and manual checks have a Mautic to talk
// to where no real one is at hand.
//
//	MAUTIC_SIM_WEBHOOK_SECRET=s3cret mautic-sim -addr 127.0.0.1:8081 -webhook-url http://127.0.0.1:8080/api/webhooks/mautic
//
// The API answers under /api with Basic auth (-user, and the password from
// MAUTIC_SIM_PASSWORD, default "mautic"); /mtc.js and /mtc/event track
// visitors. Secrets come from the environment, not flags, so that they do
// not show in the process list. With -inspect, a second listener serves the
// contact store as JSON (GET /contacts) for people and scripts to look at.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mautic-sim:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		addr        = flag.String("addr", "127.0.0.1:8081", "address to listen on")
		user        = flag.String("user", "admin", "API Basic auth user name")
		siteURL     = flag.String("site-url", "", "Mautic's site_url, baked into mtc.js (default: the listen address)")
		webhookURL  = flag.String("webhook-url", "", "deliver contact webhooks to this URL")
		publicEmail = flag.Bool("public-email", false, "make the email field publicly updatable (tracking hand-over)")
		inspect     = flag.String("inspect", "", "address of a JSON view of the contact store (GET /contacts)")
	)
	flag.Parse()
	password := os.Getenv("MAUTIC_SIM_PASSWORD")
	if password == "" {
		password = "mautic"
	}
	webhookSecret := os.Getenv("MAUTIC_SIM_WEBHOOK_SECRET")
	if *webhookURL != "" && webhookSecret == "" {
		return errors.New("-webhook-url needs the environment variable MAUTIC_SIM_WEBHOOK_SECRET")
	}

	opts := []mautictest.Option{mautictest.WithBasicAuth(*user, password)}
	if *siteURL != "" {
		opts = append(opts, mautictest.WithSiteURL(*siteURL))
	}
	s, err := mautictest.Listen(*addr, opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	if *webhookURL != "" {
		s.AddWebhook(mautictest.Webhook{URL: *webhookURL, Secret: webhookSecret})
	}
	if *publicEmail {
		s.SetPubliclyUpdatable("email", true)
	}
	log.Printf("simulated Mautic 5.1 at %s (API %s)", s.URL, s.APIURL())

	if *inspect != "" {
		stop, err := serveInspector(*inspect, s)
		if err != nil {
			return err
		}
		defer stop()
		log.Printf("contact store at http://%s/contacts", *inspect)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	<-ctx.Done()
	log.Print("stopping")
	return nil
}

// serveInspector serves the contact store as JSON until the returned func
// is called.
func serveInspector(addr string, s *mautictest.Server) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /contacts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s.Contacts())
	})
	mux.HandleFunc("GET /calls", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.CallCounts())
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return nil, fmt.Errorf("inspector: %w", err)
	case <-time.After(100 * time.Millisecond):
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-errc
	}, nil
}
