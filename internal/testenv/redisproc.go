package testenv

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// RedisProcess is a redis-server the test starts and stops itself, to make real
// outages.
type RedisProcess struct {
	t    testing.TB
	Port int
	cmd  *exec.Cmd
}

// StartRedisProcess runs a redis-server on a free loopback port (skips without the
// binary on a newcomer's machine; fails under CI).
func StartRedisProcess(t testing.TB) *RedisProcess {
	t.Helper()
	_, err := exec.LookPath("redis-server")
	Require(t, err == nil, "redis-server binary not found")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p := &RedisProcess{t: t, Port: port}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

// URL is the redis:// URL of the process.
func (p *RedisProcess) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", p.Port) }

// Start (re)starts the server on its port and waits until it accepts connections.
func (p *RedisProcess) Start() {
	p.t.Helper()
	p.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(p.Port),
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start redis-server: %v", err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port), 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("redis-server on port %d did not come up", p.Port)
}

// Stop kills the server (like a crash) and waits for it to exit.
func (p *RedisProcess) Stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}
