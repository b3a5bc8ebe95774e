package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RedisServerPath is Debian's redis-server (also the sentinel, with --sentinel).
var RedisServerPath = "/usr/bin/redis-server"

// RedisMasterName is the master set name the sentinel monitors.
const RedisMasterName = "mymaster"

// RedisOptions configures StartRedis. The zero value is fine.
type RedisOptions struct {
	Dir      string // parent directory; a new harness run dir when empty
	Password string // requirepass; generated when empty
	Sentinel bool   // also start a sentinel monitoring the server as RedisMasterName
}

// Redis is a running redis-server with a password, and optionally a sentinel.
type Redis struct {
	Addr     string // 127.0.0.1:P
	Host     string // 127.0.0.1
	Port     int
	Password string

	// With RedisOptions.Sentinel; the sentinel itself has no password.
	SentinelAddr string // 127.0.0.1:S, "" without a sentinel
	SentinelPort int
	MasterName   string // RedisMasterName

	Dir      string
	procs    []*Proc
	stop     Stopper
	stopOnce sync.Once
}

// StartRedis starts redis-server on a free loopback port with requirepass,
// no persistence, and data in a run directory; with opts.Sentinel a sentinel
// beside it. It returns once the server answers AUTH+PING (and the sentinel
// knows the master).
func StartRedis(ctx context.Context, opts RedisOptions) (_ *Redis, err error) {
	if err := svcNeedFile(RedisServerPath, "redis-server", DepsHint); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	dir, rm, err := svcRunDir(opts.Dir, "redis")
	if err != nil {
		return nil, err
	}
	r := &Redis{Dir: dir, Host: "127.0.0.1", Password: opts.Password, MasterName: RedisMasterName}
	if r.Password == "" {
		r.Password = svcToken(12)
	}
	r.stop.Add(rm)
	defer func() {
		if err != nil {
			r.Stop()
		}
	}()

	p, port, err := redisStart(ctx, dir, "redis", func(port int) string {
		return strings.Join([]string{
			"bind 127.0.0.1",
			"port " + strconv.Itoa(port),
			"protected-mode yes",
			"requirepass " + r.Password,
			"dir " + dir,
			`save ""`,
			"appendonly no",
			"daemonize no",
			`logfile ""`,
			"",
		}, "\n")
	}, nil)
	if err != nil {
		return nil, err
	}
	r.procs = append(r.procs, p)
	r.stop.Add(func() { p.Stop(5 * time.Second) })
	r.Port, r.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := svcWaitFor(ctx, p, "redis answers PING", func() error {
		return redisExpect(r.Addr, r.Password, "PONG", "PING")
	}); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if !opts.Sentinel {
		return r, nil
	}

	sp, sport, err := redisStart(ctx, dir, "sentinel", func(port int) string {
		return strings.Join([]string{
			"bind 127.0.0.1",
			"port " + strconv.Itoa(port),
			"daemonize no",
			`logfile ""`,
			"dir " + dir,
			"sentinel resolve-hostnames no",
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1", RedisMasterName, r.Port),
			fmt.Sprintf("sentinel auth-pass %s %s", RedisMasterName, r.Password),
			fmt.Sprintf("sentinel down-after-milliseconds %s 5000", RedisMasterName),
			"",
		}, "\n")
	}, []string{"--sentinel"})
	if err != nil {
		return nil, err
	}
	r.procs = append(r.procs, sp)
	r.stop.Add(func() { sp.Stop(5 * time.Second) })
	r.SentinelPort, r.SentinelAddr = sport, net.JoinHostPort("127.0.0.1", strconv.Itoa(sport))
	if err := svcWaitFor(ctx, sp, "sentinel knows "+RedisMasterName, func() error {
		return redisExpect(r.SentinelAddr, "", r.Host+" "+strconv.Itoa(r.Port),
			"SENTINEL", "get-master-addr-by-name", RedisMasterName)
	}); err != nil {
		return nil, fmt.Errorf("redis sentinel: %w", err)
	}
	return r, nil
}

// redisStart writes name.conf for a free port and starts redis-server on it,
// retrying with another port when the one picked was taken meanwhile.
func redisStart(ctx context.Context, dir, name string, conf func(port int) string, extra []string) (*Proc, int, error) {
	confPath := filepath.Join(dir, name+".conf")
	for attempt := 0; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, 0, err
		}
		if err := os.WriteFile(confPath, []byte(conf(port)), 0o600); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		p, err := StartProc(dir, name, RedisServerPath, append([]string{confPath}, extra...), nil)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		err = p.WaitTCP(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			return p, port, nil
		}
		p.Stop(time.Second)
		if attempt >= 2 || ctx.Err() != nil || !strings.Contains(p.LogTail(4000), "ddress already in use") {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
	}
}

// redisExpect sends AUTH (when password is set) and cmd, and checks that the
// reply, flattened to space-separated words, is want.
func redisExpect(addr, password, want string, cmd ...string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	rd := bufio.NewReader(c)
	if password != "" {
		if got, err := redisDo(c, rd, "AUTH", password); err != nil {
			return err
		} else if got != "OK" {
			return fmt.Errorf("AUTH: %s", got)
		}
	}
	got, err := redisDo(c, rd, cmd...)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s: got %q, want %q", strings.Join(cmd, " "), got, want)
	}
	return nil
}

// redisDo is a minimal RESP2 client: enough for readiness checks.
func redisDo(c net.Conn, rd *bufio.Reader, args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	return redisRead(rd)
}

func redisRead(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		parts := make([]string, 0, max(n, 0))
		for i := 0; i < n; i++ {
			s, err := redisRead(rd)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " "), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// Pids returns the process ids of redis-server and the sentinel.
func (r *Redis) Pids() []int {
	var pids []int
	for _, p := range r.procs {
		pids = append(pids, p.Pid())
	}
	return pids
}

// Stop stops the sentinel and the server and removes the directory.
func (r *Redis) Stop() { r.stopOnce.Do(r.stop.Stop) }

// NewTestRedis starts redis-server (and a sentinel with opts.Sentinel) for t
// and stops it at the end of t.
func NewTestRedis(t testing.TB, opts RedisOptions) *Redis {
	t.Helper()
	return startForTest(t, "Redis", startTimeout, func(ctx context.Context) (*Redis, error) { return StartRedis(ctx, opts) })
}
