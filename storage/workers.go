package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
)

// Worker liveness. Every worker process writes a heartbeat into one sorted set
// (rediskeys.Workers); the web side counts the members seen lately. Operators
// read it with `ZRANGE workers:heartbeats 0 -1 WITHSCORES`.
const (
	// WorkerHeartbeat is how often a worker process writes its heartbeat.
	WorkerHeartbeat = 5 * time.Second
	// WorkerSeenWithin is how recent a heartbeat must be for its worker to count
	// as alive: three missed beats.
	WorkerSeenWithin = 15 * time.Second
	// workerForgetAfter drops the heartbeats of workers long gone.
	workerForgetAfter = 24 * time.Hour
)

// Workers is what the heartbeats say about the worker processes.
type Workers struct {
	Alive    int       // heartbeats within WorkerSeenWithin
	LastSeen time.Time // newest heartbeat; zero when none was ever seen
}

// NewWorkerID names this worker process in the heartbeat set.
func NewWorkerID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b)
}

// Heartbeat writes id's heartbeat now and every WorkerHeartbeat until ctx ends,
// then removes it, so a worker that stops cleanly stops counting at once. A
// failed write (Redis away) is tried again at the next beat.
func (r *Redis) Heartbeat(ctx context.Context, id string) {
	if r.Client == nil {
		return
	}
	beat := func() {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		now := time.Now()
		_, _ = r.Client.TxPipelined(c, func(p redis.Pipeliner) error {
			p.ZAdd(c, rediskeys.Workers, redis.Z{Score: float64(now.UnixMilli()), Member: id})
			p.ZRemRangeByScore(c, rediskeys.Workers, "-inf", fmt.Sprint(now.Add(-workerForgetAfter).UnixMilli()))
			return nil
		})
	}
	beat()
	t := time.NewTicker(WorkerHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			r.Client.ZRem(c, rediskeys.Workers, id)
			return
		case <-t.C:
			beat()
		}
	}
}

// Workers reads the heartbeats: how many workers were seen within
// WorkerSeenWithin, and when the newest one was. ErrRedisDisabled without Redis.
func (r *Redis) Workers(ctx context.Context) (Workers, error) {
	if !r.Up() {
		return Workers{}, ErrRedisDisabled
	}
	now := time.Now()
	var alive *redis.IntCmd
	var newest *redis.ZSliceCmd
	_, err := r.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		alive = p.ZCount(ctx, rediskeys.Workers, fmt.Sprint(now.Add(-WorkerSeenWithin).UnixMilli()), "+inf")
		newest = p.ZRevRangeWithScores(ctx, rediskeys.Workers, 0, 0)
		return nil
	})
	if err != nil {
		return Workers{}, fmt.Errorf("storage: workers: %w", err)
	}
	w := Workers{Alive: int(alive.Val())}
	if z := newest.Val(); len(z) > 0 {
		w.LastSeen = time.UnixMilli(int64(z[0].Score))
	}
	return w, nil
}

// WorkerOnHost reports whether a worker on host beat within WorkerSeenWithin
// (a worker container's health check).
func (r *Redis) WorkerOnHost(ctx context.Context, host string) (bool, error) {
	if !r.Up() {
		return false, ErrRedisDisabled
	}
	since := fmt.Sprint(time.Now().Add(-WorkerSeenWithin).UnixMilli())
	ids, err := r.Client.ZRangeByScore(ctx, rediskeys.Workers, &redis.ZRangeBy{Min: since, Max: "+inf"}).Result()
	if err != nil {
		return false, fmt.Errorf("storage: workers: %w", err)
	}
	for _, id := range ids {
		if strings.HasPrefix(id, host+":") {
			return true, nil
		}
	}
	return false, nil
}
