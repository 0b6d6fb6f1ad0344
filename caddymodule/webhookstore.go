package caddymodule

import (
	"context"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/spool"
)

// lazyWebhookStore is the shared webhook table while the database may not
// be connected yet: until it is, every call fails and webhooks are kept in
// the spool folder.
type lazyWebhookStore struct{ st *state }

func (l lazyWebhookStore) store() (spool.Store, error) {
	if db := l.st.db.Load(); db != nil {
		return db.WebhookStore(), nil
	}
	return nil, errDBNotConnected
}

func (l lazyWebhookStore) Insert(ctx context.Context, e spool.Entry) (spool.PutResult, error) {
	s, err := l.store()
	if err != nil {
		return 0, err
	}
	return s.Insert(ctx, e)
}

func (l lazyWebhookStore) Claim(ctx context.Context, owner string, lease time.Duration, max int) ([]spool.Entry, error) {
	s, err := l.store()
	if err != nil {
		return nil, err
	}
	return s.Claim(ctx, owner, lease, max)
}

func (l lazyWebhookStore) Extend(ctx context.Context, id, owner string, lease time.Duration) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.Extend(ctx, id, owner, lease)
}

func (l lazyWebhookStore) Finish(ctx context.Context, id string) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.Finish(ctx, id)
}

func (l lazyWebhookStore) Retry(ctx context.Context, id string, wait time.Duration) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.Retry(ctx, id, wait)
}

func (l lazyWebhookStore) Reject(ctx context.Context, id string, reason error) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.Reject(ctx, id, reason)
}

func (l lazyWebhookStore) Prune(ctx context.Context, before time.Time) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.Prune(ctx, before)
}

func (l lazyWebhookStore) Stats(ctx context.Context) (spool.Stats, error) {
	s, err := l.store()
	if err != nil {
		return spool.Stats{}, err
	}
	return s.Stats(ctx)
}
