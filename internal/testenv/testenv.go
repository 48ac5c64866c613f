// Package testenv hands tests the real services they run against: MySQL/MariaDB and
// Redis when MYSQL_DSN / REDIS_URL are set, SQLite and miniredis otherwise. Under
// CI=true a missing service is a failure, never a skip.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// InCI reports whether tests run under CI, where nothing may skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Require skips the test on a newcomer's machine (with the reason) and fails it in CI.
func Require(t testing.TB, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("required under CI: %s", why)
	}
	t.Skipf("skipped: %s", why)
}

// Dialect is one database backend a storage test runs against.
type Dialect struct {
	Name string // "mysql" or "sqlite"
	DSN  string // MySQL DSN, or the SQLite file path
}

// Dialects returns SQLite always and MySQL when MYSQL_DSN is set, each in a fresh,
// empty database that is dropped when the test ends. Under CI MySQL is required.
func Dialects(t testing.TB) []Dialect {
	t.Helper()
	out := []Dialect{{Name: "sqlite", DSN: SQLitePath(t)}}
	if os.Getenv("MYSQL_DSN") != "" || InCI() {
		out = append(out, Dialect{Name: "mysql", DSN: MySQLDSN(t)})
	}
	return out
}

// SQLitePath returns a database file path in a temporary directory.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "simcrm.db")
}

// MySQLDSN creates a fresh database on the server named by MYSQL_DSN and returns a
// DSN pointing at it; the database is dropped at cleanup.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("MYSQL_DSN")
	Require(t, base != "", "MYSQL_DSN is not set (no MySQL/MariaDB to test against)")
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("testenv: MYSQL_DSN: %v", err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("testenv: open mysql: %v", err)
	}
	defer admin.Close()
	name := "simcrm_t_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// RedisURL returns a redis:// URL for a Redis database owned by this test alone and
// flushed before use: a real Redis when REDIS_URL is set (one of its numbered
// databases, locked for the test), otherwise a fresh miniredis. Under CI a real
// Redis is required.
func RedisURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("REDIS_URL")
	if base == "" {
		Require(t, !InCI(), "REDIS_URL is not set (no Redis to test against)")
		m := miniredis.RunT(t)
		return "redis://" + m.Addr() + "/0"
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("testenv: REDIS_URL: %v", err)
	}
	db := lockRedisDB(t, opt)
	opt.DB = db
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("testenv: flush redis db %d: %v", db, err)
	}
	u := *opt
	return fmt.Sprintf("redis://%s/%d", u.Addr, db) + passwordQuery(opt)
}

// Redis returns a client for RedisURL(t), closed at cleanup.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(RedisURL(t))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func passwordQuery(opt *redis.Options) string {
	if opt.Password == "" {
		return ""
	}
	return "?password=" + opt.Password
}

// lockRedisDB takes one of databases 1..15 for the test, so test packages running
// in parallel never flush each other's keys.
func lockRedisDB(t testing.TB, opt *redis.Options) int {
	t.Helper()
	o := *opt
	o.DB = 0
	c := redis.NewClient(&o)
	ctx := context.Background()
	token := randomHex(8)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		for db := 1; db <= 15; db++ {
			key := fmt.Sprintf("simcrm:testenv:db:%d", db)
			ok, err := c.SetNX(ctx, key, token, 10*time.Minute).Result()
			if err != nil {
				_ = c.Close()
				t.Fatalf("testenv: redis at %s: %v", opt.Addr, err)
			}
			if ok {
				t.Cleanup(func() {
					if v, _ := c.Get(ctx, key).Result(); v == token {
						c.Del(ctx, key)
					}
					_ = c.Close()
				})
				return db
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = c.Close()
	t.Fatalf("testenv: no free Redis database among 1..15")
	return 0
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
