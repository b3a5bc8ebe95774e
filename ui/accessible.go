package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/presets"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

// prompter asks line by line: for screen readers, serial consoles and
// terminals without cursor addressing. Same questions, same checks.
type prompter struct {
	ctx  context.Context
	in   *bufio.Reader
	fd   int // the input's descriptor when it is a terminal, else -1
	out  io.Writer
	deps Deps
	opts Options
}

var errEOF = errors.New("input ended before the answers were complete")

func (p *prompter) line(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	s, err := p.in.ReadString('\n')
	if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
		if errors.Is(err, io.EOF) {
			return "", errEOF
		}
		return "", err
	}
	if p.ctx.Err() != nil {
		return "", p.ctx.Err()
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// secretLine reads without echo when the input is a terminal.
func (p *prompter) secretLine(prompt string) (string, error) {
	if p.fd < 0 {
		return p.line(prompt)
	}
	fmt.Fprint(p.out, prompt)
	b, err := term.ReadPassword(p.fd)
	fmt.Fprintln(p.out)
	return string(b), err
}

// RunAccessible asks the wizard's questions as plain line prompts, runs the
// same field and live checks, saves the answers and installs.
func RunAccessible(ctx context.Context, opts Options, deps Deps, in io.Reader, out io.Writer) (Result, error) {
	if opts.SavePath == "" {
		opts.SavePath = "harbor-answers.yaml"
	}
	if opts.Program == "" {
		opts.Program = "harbor-installer"
	}
	p := &prompter{ctx: ctx, in: bufio.NewReader(in), fd: -1, out: out, deps: deps, opts: opts}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.fd = int(f.Fd())
	}
	var res Result
	info := deps.Cluster.Probe(ctx, "", "")
	p.printCluster(info)
	a, err := p.start()
	if err != nil {
		return res, err
	}
	if a.Cluster.Kubeconfig != "" || a.Cluster.Context != "" {
		p.printCluster(deps.Cluster.Probe(ctx, a.Cluster.Kubeconfig, a.Cluster.Context))
	}
	defs := stepFields()
	for _, s := range steps.All() {
		if err := p.askStep(s, defs[s.Name], a); err != nil {
			return res, err
		}
	}
	plan, err := render.Build(a)
	if err != nil {
		return res, fmt.Errorf("plan: %w", err)
	}
	fmt.Fprintln(out, "\nPlan:")
	for i, r := range plan.Releases {
		needs := ""
		if len(r.Needs) > 0 {
			needs = ", after " + strings.Join(r.Needs, ", ")
		}
		fmt.Fprintf(out, "  %d. %s: chart %s %s in namespace %s%s\n", i+1, r.Name, r.Chart.Name, r.Chart.Version, r.Namespace, needs)
	}
	if _, err := answers.Save(opts.SavePath, a); err != nil {
		return res, err
	}
	if err := os.Chmod(opts.SavePath, 0o600); err != nil {
		return res, err
	}
	res.SavedPath = opts.SavePath
	res.Replay = opts.Program + " install --answers " + opts.SavePath + " --yes"
	fmt.Fprintf(out, "Answers saved to %s (secrets as references). Replay: %s\n", res.SavedPath, res.Replay)
	yes, err := p.line("Install now? [y/N]: ")
	if err != nil {
		return res, err
	}
	if !strings.EqualFold(strings.TrimSpace(yes), "y") {
		return res, nil
	}
	sum, err := deps.Installer.Run(ctx, a, plan, func(ev install.Event) { fmt.Fprintln(out, eventLine(ev)) })
	res.Summary, res.Err = sum, err
	res.Interrupted = ctx.Err() != nil
	if err == nil && !res.Interrupted && sum != nil && sum.Cause == "" && deps.Verifier != nil {
		fmt.Fprintln(out, "Verifying Harbor end to end:")
		res.Verified, _ = deps.Verifier.Verify(ctx, a, func(f steps.Finding) {
			fmt.Fprintf(out, "  %-4s %s: %s\n", f.Level, f.Key, f.Seen)
		})
		res.Interrupted = ctx.Err() != nil
	}
	fmt.Fprintln(out)
	WriteSummary(out, res, false)
	return res, nil
}

func (p *prompter) printCluster(info ClusterInfo) {
	switch {
	case info.Err != nil:
		fmt.Fprintf(p.out, "Cluster: no cluster answered (%s)\n", firstLine(info.Err.Error()))
	default:
		fmt.Fprintf(p.out, "Cluster: context %s, API server %s, Kubernetes %s\n", info.Context, info.Server, info.Version)
	}
	if p.opts.Simulated {
		fmt.Fprintln(p.out, "This is the local SIMULATED cluster: nothing real is installed.")
	}
}

// start picks where answers come from, as the welcome screen does.
func (p *prompter) start() (*answers.Answers, error) {
	o := answers.Options{Preset: p.opts.Preset, File: p.opts.AnswersFile}
	for o.Preset == "" && o.File == "" {
		fmt.Fprintln(p.out, "Start from:")
		list := presets.List()
		for i, pr := range list {
			fmt.Fprintf(p.out, "  %d. preset %s: %s\n", i+1, pr.Name, pr.Summary)
		}
		fmt.Fprintf(p.out, "  %d. an answers file\n  %d. blank\n", len(list)+1, len(list)+2)
		s, err := p.line("Choice: ")
		if err != nil {
			return nil, err
		}
		var n int
		fmt.Sscanf(strings.TrimSpace(s), "%d", &n)
		switch {
		case n >= 1 && n <= len(list):
			o.Preset = list[n-1].Name
		case n == len(list)+1:
			f, err := p.line("Path of the answers file: ")
			if err != nil {
				return nil, err
			}
			o.File = strings.TrimSpace(f)
		case n == len(list)+2:
			l, err := answers.Load(answers.Options{})
			if err != nil {
				return nil, err
			}
			return &l.Answers, nil
		default:
			fmt.Fprintln(p.out, "Give a number from the list.")
		}
	}
	l, err := answers.Load(o)
	if err != nil {
		return nil, err
	}
	return &l.Answers, nil
}

// askStep asks a step's fields until its checks allow going on.
func (p *prompter) askStep(s steps.Step, defs []fieldDef, a *answers.Answers) error {
	for {
		fmt.Fprintf(p.out, "\n== %s ==\n", s.Title)
		for _, d := range defs {
			if !d.applies(a) {
				continue
			}
			if err := p.askField(s, newField(d, a, false), a); err != nil {
				return err
			}
		}
		fs := s.Validate(a)
		if s.Check != nil && p.deps.Checker != nil {
			fmt.Fprintln(p.out, "checking against the live systems...")
			ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
			fs = append(fs, p.deps.Checker.Check(ctx, s, a)...)
			cancel()
		}
		for _, f := range fs {
			fmt.Fprintln(p.out, "  "+findingLine(f))
		}
		switch steps.Worst(fs) {
		case steps.Fail:
			fmt.Fprintln(p.out, "This step has failures; answer it again (enter keeps an answer).")
			continue
		case steps.Warn:
			ok, err := p.line("Accept the warnings and go on? [y/N]: ")
			if err != nil {
				return err
			}
			if !strings.EqualFold(strings.TrimSpace(ok), "y") {
				continue
			}
		}
		return nil
	}
}

func findingLine(f steps.Finding) string {
	s := fmt.Sprintf("%s %s: %s", strings.ToUpper(f.Level.String()), f.Key, f.Seen)
	if f.Hint != "" {
		s += " (fix: " + f.Hint + ")"
	}
	return s
}

// askField asks one field and repeats while its field check fails.
func (p *prompter) askField(s steps.Step, f *field, a *answers.Answers) error {
	for {
		switch f.def.kind {
		case kindEnum, kindBool:
			cur := f.def.get(a)
			v, err := p.line(fmt.Sprintf("%s (%s) [%s]: ", f.def.label, strings.Join(f.def.choices, "/"), cur))
			if err != nil {
				return err
			}
			v = strings.TrimSpace(v)
			if v == "" {
				v = cur
			}
			if indexOf(f.def.choices, v) == 0 && f.def.choices[0] != v {
				fmt.Fprintf(p.out, "  choose one of %s\n", strings.Join(f.def.choices, ", "))
				continue
			}
			f.def.set(a, v)
		case kindSecret:
			cur := f.mode()
			v, err := p.line(fmt.Sprintf("%s: how is it given (%s) [%s]: ", f.def.label, strings.Join(f.secretModes, "/"), cur))
			if err != nil {
				return err
			}
			v = strings.TrimSpace(v)
			if v == "" {
				v = cur
			}
			if !strings.HasSuffix(v, ":") && (v == "env" || v == "file") {
				v += ":"
			}
			if i := indexOf(f.secretModes, v); f.secretModes[i] == v {
				f.setSecretMode(i)
			} else {
				fmt.Fprintf(p.out, "  choose one of %s\n", strings.Join(f.secretModes, ", "))
				continue
			}
			switch f.mode() {
			case secretEnv, secretFile:
				what := "Environment variable"
				if f.mode() == secretFile {
					what = "File path"
				}
				t, err := p.line(fmt.Sprintf("  %s [%s]: ", what, f.input.Value()))
				if err != nil {
					return err
				}
				if strings.TrimSpace(t) != "" {
					f.input.SetValue(strings.TrimSpace(t))
				}
			case secretTyped:
				t, err := p.secretLine("  Value (not echoed, kept in memory only): ")
				if err != nil {
					return err
				}
				f.input.SetValue(t)
			}
			f.apply(a)
		default:
			cur := f.def.get(a)
			if f.def.kind == kindPick {
				p.printChoices(f.def.pick, a)
			}
			v, err := p.line(fmt.Sprintf("%s [%s]: ", f.def.label, cur))
			if err != nil {
				return err
			}
			if v == "" {
				v = cur
			} else if v == "-" {
				v = "" // a dash clears
			}
			f.input.SetValue(v)
			f.apply(a)
		}
		var bad []steps.Finding
		for _, fd := range s.Validate(a) {
			if fd.Level == steps.Fail && (fd.Key == f.def.key || strings.HasPrefix(fd.Key, f.def.key+".")) {
				bad = append(bad, fd)
			}
		}
		if len(bad) == 0 {
			return nil
		}
		for _, fd := range bad {
			fmt.Fprintln(p.out, "  "+findingLine(fd))
		}
	}
}

// eventLine is one engine event as a plain line.
func eventLine(ev install.Event) string {
	s := fmt.Sprintf("[%s] %s", fmtDur(ev.Elapsed), ev.Type)
	if ev.Release != "" {
		s += " " + ev.Release
	}
	if ev.Object != nil {
		s += fmt.Sprintf(" %s %s %d/%d", ev.Object.Kind, ev.Object.Name, ev.Ready, ev.Desired)
	}
	if ev.Blocker != nil {
		s += ": " + ev.Blocker.String()
	}
	if ev.Message != "" {
		s += ": " + ev.Message
	}
	if ev.Error != "" {
		s += ": " + ev.Error
	}
	return s
}

// printChoices lists what the cluster offers for a pick field; the answer
// may still be any name.
func (p *prompter) printChoices(src pickSource, a *answers.Answers) {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	c := p.deps.Cluster
	var opts []option
	switch src {
	case pickContexts:
		l, _ := c.Contexts(a.Cluster.Kubeconfig)
		opts = contextOptions(l)
	case pickStorageClasses:
		l, _ := c.StorageClasses(ctx, a)
		opts = storageClassOptions(l)
	case pickTLSSecrets:
		l, _ := c.TLSSecrets(ctx, a)
		opts = tlsSecretOptions(l, time.Now())
	case pickIngressClasses:
		l, _ := c.IngressClasses(ctx, a)
		opts = ingressClassOptions(l)
	}
	for _, o := range opts {
		fmt.Fprintf(p.out, "  choice: %s (%s)\n", o.value, o.desc)
	}
}
