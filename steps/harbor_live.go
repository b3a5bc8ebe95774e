package steps

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"github.com/harbor-installer/harbor-installer/answers"
)

// harborLive checks Harbor's external PostgreSQL and Redis when the answers
// use them; the internal ones are made by the chart.
func harborLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	var fns []func() []Finding
	if a.Harbor.Database.Type == "external" {
		fns = append(fns, func() []Finding { return postgresLive(ctx, a, env) })
	}
	if a.Harbor.Redis.Type == "external" {
		fns = append(fns, func() []Finding { return redisLive(ctx, a, env) })
	}
	return Parallel(fns...)
}

func postgresLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	d := a.Harbor.Database
	timeout := env.timeout()
	pw, err := resolveSecret(d.Password)
	if err != nil {
		return []Finding{fail("harbor.database.password", err.Error(), "export the variable or fix the file reference")}
	}
	secs := max(1, int(timeout.Round(time.Second)/time.Second))
	dsn := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=%s connect_timeout=%d",
		pgQuote(d.Host), d.Port, pgQuote(d.User), pgQuote(d.Database), pgQuote(d.SSLMode), secs)
	if d.CAFile != "" {
		// The CA Harbor gets through caBundleSecretName (render).
		dsn += " sslrootcert=" + pgQuote(d.CAFile)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return []Finding{fail("harbor.database.host", fmt.Sprintf("cannot build a connection from the answers: %v", err), "check host, port, user, database and sslmode")}
	}
	cfg.Password = pw
	cfg.ConnectTimeout = timeout
	where := fmt.Sprintf("%s@%s/%s", d.User, net.JoinHostPort(d.Host, strconv.Itoa(d.Port)), d.Database)
	c, cancel := env.op(ctx)
	defer cancel()
	conn, err := pgx.ConnectConfig(c, cfg)
	if err != nil {
		return []Finding{postgresFailure(d, where, err, timeout)}
	}
	defer conn.Close(context.Background())
	ver := conn.PgConn().ParameterStatus("server_version")
	var canCreate bool
	if err := conn.QueryRow(c, "select has_schema_privilege(current_user, 'public', 'CREATE')").Scan(&canCreate); err != nil {
		return []Finding{fail("harbor.database.user", fmt.Sprintf("%s: cannot query privileges: %s", where, errText(err, timeout)), "check the user may use the database")}
	}
	if !canCreate {
		return []Finding{fail("harbor.database.user", fmt.Sprintf("%s: PostgreSQL %s; %s may not create tables in schema public, and Harbor's migrations must", where, ver, d.User),
			fmt.Sprintf("make %s the owner of database %s, or GRANT CREATE ON SCHEMA public TO %s", d.User, d.Database, d.User))}
	}
	return []Finding{ok("harbor.database.host", fmt.Sprintf("connected to %s: PostgreSQL %s; %s may create tables", where, ver, d.User))}
}

// pgQuote quotes a keyword/value connection-string value.
func pgQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func postgresFailure(d answers.Database, where string, err error, timeout time.Duration) Finding {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01":
			return fail("harbor.database.password", fmt.Sprintf("%s: password authentication failed for user %s", where, d.User), "check the password")
		case "28000":
			return fail("harbor.database.user", fmt.Sprintf("%s: %s", where, pe.Message), "check the user exists and pg_hba.conf lets it connect from Harbor's nodes (and from here)")
		case "3D000":
			return fail("harbor.database.database", fmt.Sprintf("%s: %s", where, pe.Message), fmt.Sprintf("create it: CREATE DATABASE %s OWNER %s", d.Database, d.User))
		}
		return fail("harbor.database.host", fmt.Sprintf("%s: %s (SQLSTATE %s)", where, pe.Message, pe.Code), "check the server's log")
	}
	s := err.Error()
	switch {
	case isTimeout(err) || pgconn.Timeout(err):
		return fail("harbor.database.host", fmt.Sprintf("%s: no answer within %s", where, timeout), "check host, port and firewall, and that PostgreSQL listens there")
	case strings.Contains(s, "server refused TLS") || strings.Contains(s, "tls:") || certErrorKind(err) != "":
		return fail("harbor.database.sslmode", fmt.Sprintf("%s: %s", where, s), "match sslmode to the server: disable when it has no TLS, require when it has")
	}
	return fail("harbor.database.host", fmt.Sprintf("%s: %s", where, s), "check host and port, and that PostgreSQL listens there")
}

func redisLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	r := a.Harbor.Redis
	timeout := env.timeout()
	pw, err := resolveSecret(r.Password)
	if err != nil {
		return []Finding{fail("harbor.redis.password", err.Error(), "export the variable or fix the file reference")}
	}
	var addrs []string
	for _, s := range strings.Split(r.Addr, ",") {
		if s = strings.TrimSpace(s); s != "" {
			addrs = append(addrs, s)
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	opts := func(addr, password string) *redis.Options {
		return &redis.Options{Addr: addr, Password: password, DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout,
			MaxRetries: -1, PoolSize: 1, ContextTimeoutEnabled: true, DisableIdentity: true}
	}
	var out []Finding
	master := addrs[0]
	if r.SentinelMasterSet != "" {
		var errs []string
		master = ""
		for _, s := range addrs {
			sc := redis.NewSentinelClient(&redis.Options{Addr: s, DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, MaxRetries: -1, PoolSize: 1, ContextTimeoutEnabled: true, DisableIdentity: true})
			c, cancel := env.op(ctx)
			res, err := sc.GetMasterAddrByName(c, r.SentinelMasterSet).Result()
			cancel()
			sc.Close()
			switch {
			case errors.Is(err, redis.Nil) || (err != nil && strings.Contains(err.Error(), "No such master")):
				return []Finding{fail("harbor.redis.sentinelMasterSet", fmt.Sprintf("sentinel %s knows no master set %q", s, r.SentinelMasterSet), "give the name the sentinels monitor (SENTINEL MASTERS)")}
			case err != nil:
				errs = append(errs, s+": "+errText(err, timeout))
				continue
			}
			if len(res) == 2 {
				master = net.JoinHostPort(res[0], res[1])
			}
			break
		}
		if master == "" {
			return []Finding{fail("harbor.redis.addr", "no sentinel answered: "+strings.Join(errs, "; "), "check the sentinel host:port list (default port 26379)")}
		}
		out = append(out, ok("harbor.redis.sentinelMasterSet", fmt.Sprintf("sentinels name %s as master of %s", master, r.SentinelMasterSet)))
	}
	rc := redis.NewClient(opts(master, pw))
	defer rc.Close()
	c, cancel := env.op(ctx)
	defer cancel()
	if err := rc.Ping(c).Err(); err != nil {
		s := err.Error()
		switch {
		case strings.Contains(s, "WRONGPASS"), strings.Contains(s, "invalid password"), strings.Contains(s, "NOAUTH"),
			strings.Contains(s, "AUTH") && strings.Contains(s, "without any password"):
			return append(out, fail("harbor.redis.password", fmt.Sprintf("redis %s: %s", master, s), "check the password (empty when the server has none)"))
		}
		return append(out, fail("harbor.redis.addr", fmt.Sprintf("redis %s: %s", master, errText(err, timeout)), "check host:port and firewall"))
	}
	ver := ""
	if info, err := rc.Info(c, "server").Result(); err == nil {
		for _, line := range strings.Split(info, "\n") {
			if v, found := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); found {
				ver = " " + v
			}
		}
	}
	return append(out, ok("harbor.redis.addr", fmt.Sprintf("redis%s at %s answers PING with the password", ver, master)))
}
