package wait

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFor(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"elapses", context.Background(), time.Millisecond, nil},
		{"nothing to wait", context.Background(), 0, nil},
		{"negative", context.Background(), -time.Second, nil},
		{"canceled before a long wait", canceled, time.Hour, context.Canceled},
		{"canceled, nothing to wait", canceled, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := For(tt.ctx, tt.d); !errors.Is(err, tt.want) {
				t.Errorf("For(%s) = %v, want %v", tt.d, err, tt.want)
			}
		})
	}
}

func TestForEndsWhenTheContextDoes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- For(ctx, time.Hour) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("For after cancel = %v, want context.Canceled", err)
	}
}
