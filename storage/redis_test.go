package storage_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/storage"
)

// The in-process Redis says where it listens, and redis-cli (any client) can
// reach it there; a real Redis or none has no such address.
func TestEmbeddedRedisSaysWhereItListens(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := storage.OpenRedis(ctx, "", log)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	addr := r.EmbeddedAddr()
	if addr == "" {
		t.Fatal("embedded Redis: want its address, got none")
	}
	if err := r.Client.Set(ctx, "sim:1:metrics", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	outside := redis.NewClient(&redis.Options{Addr: addr})
	defer outside.Close()
	if got, err := outside.Get(ctx, "sim:1:metrics").Result(); err != nil || got != "x" {
		t.Errorf("a second client at %s: want the key SimCRM wrote, got %q, %v", addr, got, err)
	}
	off, err := storage.OpenRedis(ctx, "off", log)
	if err != nil {
		t.Fatal(err)
	}
	if off.EmbeddedAddr() != "" {
		t.Errorf("Redis off: want no address, got %q", off.EmbeddedAddr())
	}
}
