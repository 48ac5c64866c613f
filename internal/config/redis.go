package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// SentinelScheme is the REDIS_URL scheme that finds the Redis master through Redis
// Sentinel, in the form asynq documents:
// redis-sentinel://[:password@]host:port[,host:port…][/db]?master=name
const SentinelScheme = "redis-sentinel"

// Sentinel is a Redis reached through Sentinel: the Sentinels' addresses, the
// name of the master they watch, and the password and database number of the
// master (the Sentinels get the same password).
type Sentinel struct {
	Addrs    []string
	Master   string
	Password string
	DB       int
}

// URL is the redis-sentinel:// form of s.
func (s Sentinel) URL() string {
	u := url.URL{Scheme: SentinelScheme, Host: strings.Join(s.Addrs, ","), Path: "/" + strconv.Itoa(s.DB),
		RawQuery: url.Values{"master": {s.Master}}.Encode()}
	if s.Password != "" {
		u.User = url.UserPassword("", s.Password)
	}
	return u.String()
}

// ParseSentinelURL reads a redis-sentinel:// URL.
func ParseSentinelURL(v string) (Sentinel, error) {
	u, err := url.Parse(v)
	if err != nil || u.Scheme != SentinelScheme {
		return Sentinel{}, fmt.Errorf("want %s://host:port[,host:port…][/db]?master=name, got %q", SentinelScheme, v)
	}
	s := Sentinel{Master: u.Query().Get("master")}
	if u.User != nil {
		s.Password, _ = u.User.Password()
	}
	if s.Addrs, err = sentinelAddrs(u.Host); err != nil {
		return Sentinel{}, err
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		if s.DB, err = strconv.Atoi(db); err != nil || s.DB < 0 {
			return Sentinel{}, fmt.Errorf("want a database number after the addresses, got %q", db)
		}
	}
	if s.Master == "" {
		return Sentinel{}, errors.New("names no master (add ?master=name)")
	}
	return s, nil
}

// sentinelAddrs reads a comma-separated list of host:port.
func sentinelAddrs(v string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(v, ",") {
		a = strings.TrimSpace(a)
		if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("want Sentinel addresses as host:port[,host:port…], got %q", v)
		}
		out = append(out, a)
	}
	return out, nil
}

// resolveRedis folds REDIS_SENTINEL_ADDRS and REDIS_SENTINEL_MASTER into
// RedisURL, so the rest of SimCRM opens Redis from one string. With Sentinel
// addresses, a redis:// REDIS_URL only lends its password and database number.
func resolveRedis(c *Config) error {
	if strings.HasPrefix(c.RedisURL, SentinelScheme+"://") {
		if len(c.RedisSentinelAddrs) > 0 {
			return errors.New("config: REDIS_SENTINEL_ADDRS: set either it or a redis-sentinel:// REDIS_URL, not both")
		}
		u, _ := url.Parse(c.RedisURL) // checked by REDIS_URL's own rule
		if q := u.Query(); q.Get("master") == "" {
			q.Set("master", c.RedisSentinelMaster)
			u.RawQuery = q.Encode()
		}
		s, err := ParseSentinelURL(u.String())
		if err != nil {
			return fmt.Errorf("config: REDIS_URL: %w", err)
		}
		c.RedisURL = s.URL()
		return nil
	}
	if len(c.RedisSentinelAddrs) == 0 {
		return nil
	}
	if c.RedisURL == RedisOff {
		return errors.New("config: REDIS_SENTINEL_ADDRS: set, but REDIS_URL is off")
	}
	s := Sentinel{Addrs: c.RedisSentinelAddrs, Master: c.RedisSentinelMaster}
	if c.RedisURL != "" {
		u, _ := url.Parse(c.RedisURL) // checked by REDIS_URL's own rule
		if u.User != nil {
			s.Password, _ = u.User.Password()
		}
		if db := strings.Trim(u.Path, "/"); db != "" {
			s.DB, _ = strconv.Atoi(db)
		}
	}
	c.RedisURL = s.URL()
	return nil
}
