package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name a SentinelGroup's Sentinels watch.
const SentinelMaster = "simcrm-test"

// SentinelGroup is a Redis master, one replica and three Sentinels (quorum 2)
// that the test starts itself, to make real failovers.
type SentinelGroup struct {
	t         testing.TB
	Ports     []int // the two data servers: master first at start
	Sentinels []int
	cmds      []*exec.Cmd
}

// StartSentinelGroup starts the group on free loopback ports and waits until the
// Sentinels agree on the master and see its replica. It skips without the
// redis-sentinel binary (Debian package redis-sentinel) on a newcomer's machine
// and fails under CI.
func StartSentinelGroup(t testing.TB) *SentinelGroup {
	t.Helper()
	_, errServer := exec.LookPath("redis-server")
	_, errSentinel := exec.LookPath("redis-sentinel")
	Require(t, errServer == nil && errSentinel == nil, "redis-server and redis-sentinel are not installed (apt-get install redis-sentinel)")
	g := &SentinelGroup{t: t}
	t.Cleanup(g.stop)
	dir := t.TempDir()
	master, replica := FreePort(t), FreePort(t)
	g.Ports = []int{master, replica}
	// Each in its own directory: a replica keeps the master's snapshot as
	// dump.rdb there, and a server started where one lies would load it.
	for i, port := range g.Ports {
		args := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", "--dir", t.TempDir()}
		if i > 0 {
			args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(master))
		}
		g.start(port, "redis-server", args...)
	}
	for i := 0; i < 3; i++ {
		port := FreePort(t)
		g.Sentinels = append(g.Sentinels, port)
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		body := fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nsentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 10000\n",
			port, dir, SentinelMaster, master, SentinelMaster, SentinelMaster)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		g.start(port, "redis-sentinel", conf, "--loglevel", "warning")
	}
	g.waitFor(30*time.Second, "the Sentinels to see the master and its replica", func(s *redis.SentinelClient) bool {
		replicas, err := s.Replicas(context.Background(), SentinelMaster).Result()
		return err == nil && len(replicas) == 1 && g.masterFrom(s) == master
	})
	return g
}

// URL is the redis-sentinel:// URL that reaches the group's master, database db.
func (g *SentinelGroup) URL(db int) string {
	addrs := make([]string, len(g.Sentinels))
	for i, p := range g.Sentinels {
		addrs[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	return fmt.Sprintf("redis-sentinel://%s/%d?master=%s", strings.Join(addrs, ","), db, SentinelMaster)
}

// Master is the port of the server the Sentinels name master now.
func (g *SentinelGroup) Master() int {
	s := g.sentinel(0)
	defer s.Close()
	return g.masterFrom(s)
}

// Failover asks the Sentinels to promote the replica and waits until every
// Sentinel names the new master and the old one has become its replica.
func (g *SentinelGroup) Failover(within time.Duration) (from, to int) {
	g.t.Helper()
	from = g.Master()
	s := g.sentinel(0)
	err := s.Failover(context.Background(), SentinelMaster).Err()
	s.Close()
	if err != nil {
		g.t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	g.waitFor(within, "the failover", func(s *redis.SentinelClient) bool {
		to = g.masterFrom(s)
		return to != 0 && to != from
	})
	old := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(from)})
	defer old.Close()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if info, _ := old.Info(context.Background(), "replication").Result(); strings.Contains(info, "role:slave") {
			return from, to
		}
		time.Sleep(100 * time.Millisecond)
	}
	g.t.Fatalf("the old master %d did not become a replica within %s", from, within)
	return from, to
}

func (g *SentinelGroup) masterFrom(s *redis.SentinelClient) int {
	addr, err := s.GetMasterAddrByName(context.Background(), SentinelMaster).Result()
	if err != nil || len(addr) != 2 {
		return 0
	}
	p, _ := strconv.Atoi(addr[1])
	return p
}

func (g *SentinelGroup) sentinel(i int) *redis.SentinelClient {
	return redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(g.Sentinels[i])})
}

// waitFor waits until cond holds for every Sentinel.
func (g *SentinelGroup) waitFor(within time.Duration, what string, cond func(*redis.SentinelClient) bool) {
	g.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		all := true
		for i := range g.Sentinels {
			s := g.sentinel(i)
			ok := cond(s)
			s.Close()
			all = all && ok
		}
		if all {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	g.t.Fatalf("waited %s for %s", within, what)
}

// start runs bin and waits until it accepts connections on port.
func (g *SentinelGroup) start(port int, bin string, args ...string) {
	g.t.Helper()
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		g.t.Fatalf("start %s: %v", bin, err)
	}
	g.cmds = append(g.cmds, cmd)
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	g.t.Fatalf("%s on port %d did not come up", bin, port)
}

func (g *SentinelGroup) stop() {
	for _, c := range g.cmds {
		if c.Process != nil {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
